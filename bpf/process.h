/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Process lifecycle: exec and exit. Never rate limited.
 *
 * tp_btf arguments are BTF-typed kernel pointers, so fields are read with
 * plain (CO-RE relocated) loads that the verifier turns into fault-safe
 * loads, instead of one bpf_probe_read_kernel call per field.
 */
#ifndef TAPIO_PROCESS_H
#define TAPIO_PROCESS_H

#include "tapio_common.h"

/*
 * The inum of the pid namespace the task lives in (task_active_pid_ns), not
 * nsproxy->pid_ns_for_children, which differs after unshare(CLONE_NEWPID).
 *
 * numbers[] is indexed by a run-time level, which direct loads cannot do.
 * Where the kernel declares it a flexible array (6.5+) the verifier allows
 * constant indexes past the struct, so the usual levels (host 0, container
 * 1, nested 2 and 3) are plain loads; deeper levels and older kernels take
 * two probe reads at CO-RE offsets.
 */
static __always_inline __u32 task_pidns_inum(struct task_struct___tapio *t)
{
	struct pid___tapio *pid = t->thread_pid;
	struct pid_namespace___tapio *ns = NULL;
	unsigned int level;
	void *upid;

	if (!pid)
		return 0;
	level = pid->level;
	if (bpf_core_field_size(struct pid___tapio, numbers) == 0 && level < 4) {
		switch (level) {
		case 0:
			ns = pid->numbers[0].ns;
			break;
		case 1:
			ns = pid->numbers[1].ns;
			break;
		case 2:
			ns = pid->numbers[2].ns;
			break;
		default:
			ns = pid->numbers[3].ns;
			break;
		}
		return ns ? ns->ns.inum : 0;
	}
	if (level > 32)
		return 0;
	upid = (void *)pid + bpf_core_field_offset(struct pid___tapio, numbers) +
	       level * bpf_core_type_size(struct upid___tapio);
	bpf_probe_read_kernel(&ns, sizeof(ns), upid + bpf_core_field_offset(struct upid___tapio, ns));
	return BPF_CORE_READ(ns, ns.inum);
}

/*
 * bpf_get_current_uid_gid for a task that is current: its ids as seen from
 * its own user namespace. In the initial namespace that mapping is the
 * identity, so the ids are read directly; in a user namespace the helper
 * maps them.
 */
static __always_inline __u64 task_uid_gid(const struct task_struct___tapio *t)
{
	const struct cred___tapio *cred = t->cred;

	if (cred->user_ns->level != 0)
		return bpf_get_current_uid_gid();
	return (__u64)cred->gid.val << 32 | cred->uid.val;
}

static __always_inline bool skip_host_task(const struct tapio_config *cfg, __u32 pidns)
{
	return cfg->containers_only && pidns == HOST_PIDNS_INUM;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tapio_exec, struct task_struct___tapio *p, pid_t old_pid,
	     struct linux_binprm___tapio *bprm)
{
	const struct tapio_config *cfg = enabled(TAPIO_EVENT_EXEC);
	unsigned long start, end, area;
	struct mm_struct___tapio *mm;
	__u32 slot = SCRATCH_EXEC, flags = 0, pidns, n;
	struct exec_event *e;
	__u64 ugid;
	long len;

	if (!cfg)
		return 0;
	pidns = task_pidns_inum(p);
	if (skip_host_task(cfg, pidns))
		return 0;
	e = bpf_map_lookup_elem(&scratch, &slot);
	if (!e)
		return 0;
	/* p is current (the tracepoint runs in the exec'ing task), so its
	 * task_struct gives what the pid, comm, cgroup and uid helpers would,
	 * with plain loads. They go straight into the sample with no helper
	 * call in between, so the independent pointer chains' cache misses
	 * overlap, and the stack stays under the 64 bytes from which the JIT
	 * moves a tracing program to a colder per-CPU private stack. */
	e->pidns = pidns;
	e->mntns = p->nsproxy->mnt_ns->ns.inum;
	e->ppid = p->real_parent->tgid;
	e->hdr.cgroup_id = p->cgroups->dfl_cgrp->kn->id;
	mm = p->mm;
	start = mm->arg_start;
	end = mm->arg_end;
	ugid = task_uid_gid(p);
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	fill_header_task(&e->hdr, TAPIO_EVENT_EXEC, bpf_ktime_get_boot_ns(), p);

	len = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), bprm->filename);
	if (len < 0)
		e->filename[0] = 0;
	else if (len == sizeof(e->filename))
		flags |= TAPIO_FLAG_FILENAME_TRUNCATED;

	/* The new image's arguments were just copied to its stack, so they
	 * are resident and readable from this (the exec'ing) task. */
	area = end > start ? end - start : 0;
	n = cfg->argv_bytes;
	if (n > TAPIO_ARGV_MAX)
		n = TAPIO_ARGV_MAX;
	if (area < n)
		n = area;
	if (area > n)
		flags |= TAPIO_FLAG_TRUNCATED;
	if (n > 0) {
		/* n is already 1..512; the mask restates it for the verifier. */
		n = ((n - 1) & (TAPIO_ARGV_MAX - 1)) + 1;
		if (bpf_probe_read_user(e->argv, n, (void *)start))
			n = 0;
	}
	e->hdr.flags = flags;
	e->argv_len = n;
	output(cfg, e, offsetof(struct exec_event, argv) + n, TAPIO_EVENT_EXEC);
	return 0;
}

/*
 * The tracepoint fires once per thread, after do_exit has decremented
 * signal->live; emitting only when it reached zero gives one event per
 * process, carrying the exit code of the last thread, which after
 * exit_group or a fatal signal is the process's own.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tapio_exit, struct task_struct___tapio *p)
{
	const struct tapio_config *cfg = enabled(TAPIO_EVENT_EXIT);
	struct exit_event *e;

	if (!cfg)
		return 0;
	if (p->signal->live.counter != 0)
		return 0;
	if (cfg->containers_only && skip_host_task(cfg, task_pidns_inum(p)))
		return 0;
	e = reserve(sizeof(*e), TAPIO_EVENT_EXIT);
	if (!e)
		return 0;
	e->hdr.cgroup_id = p->cgroups->dfl_cgrp->kn->id;
	fill_header_task(&e->hdr, TAPIO_EVENT_EXIT, bpf_ktime_get_boot_ns(), p);
	e->ppid = p->real_parent->tgid;
	e->exit_code = p->exit_code;
	submit(e, sizeof(*e), cfg);
	return 0;
}

#endif /* TAPIO_PROCESS_H */
