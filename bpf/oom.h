/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* OOM kills: the victim, its memory cgroup and its memory. Never rate
 * limited, and kept through a full main ring by the reserve ring. */
#ifndef TAPIO_OOM_H
#define TAPIO_OOM_H

#include "tapio_common.h"
#include "process.h"

/* The rss counters' indexes (MM_FILEPAGES...) are an anonymous enum, so
 * CO-RE cannot relocate them; they have not moved since they were added. */
#define TAPIO_MM_FILEPAGES 0
#define TAPIO_MM_ANONPAGES 1
#define TAPIO_MM_SHMEMPAGES 3

/*
 * The approximate counter, as get_mm_counter() reads it: the per-CPU deltas
 * of a percpu_counter are not folded in, as in the OOM killer's own report.
 */
static __always_inline __u64 mm_counter(struct mm_struct___tapio *mm, __u32 member)
{
	long v = 0;
	void *p;

	if (!mm)
		return 0;
	/* struct mm_rss_stat exists only before 6.2. */
	if (bpf_core_type_exists(struct mm_rss_stat___tapio)) {
		p = (void *)mm + bpf_core_field_offset(struct mm_struct___tapio_old, rss_stat) +
		    member * sizeof(long);
	} else {
		p = (void *)mm + bpf_core_field_offset(struct mm_struct___tapio, rss_stat) +
		    member * bpf_core_type_size(struct percpu_counter___tapio) +
		    bpf_core_field_offset(struct percpu_counter___tapio, count);
	}
	bpf_probe_read_kernel(&v, sizeof(v), p);
	return v > 0 ? v : 0;
}

/*
 * kernfs id of the memory cgroup the task is charged to: a v1 memory
 * hierarchy's directory, or the v2 cgroup on a unified host. On 64-bit
 * kernels the kernfs id is the directory's inode number.
 */
static __always_inline __u64 task_memcg_id(struct task_struct___tapio *t)
{
	struct cgroup_subsys_state___tapio *css = NULL;
	struct css_set___tapio *cs;
	int id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (id < 0 || id >= 64)
		return 0;
	cs = BPF_CORE_READ(t, cgroups);
	if (!cs)
		return 0;
	bpf_probe_read_kernel(&css, sizeof(css),
			      (void *)cs + bpf_core_field_offset(struct css_set___tapio, subsys) +
				      id * sizeof(void *));
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(tapio_oom_kill, struct task_struct___tapio *victim)
{
	const struct tapio_config *cfg = enabled(TAPIO_EVENT_OOM_KILL);
	struct oom_event *e;
	struct mm_struct___tapio *mm;

	if (!cfg)
		return 0;
	if (cfg->containers_only && skip_host_task(cfg, task_pidns_inum(victim)))
		return 0;
	e = reserve_kept(sizeof(*e), TAPIO_EVENT_OOM_KILL);
	if (!e)
		return 0;
	fill_header(&e->hdr, TAPIO_EVENT_OOM_KILL, bpf_ktime_get_boot_ns());
	e->memcg_id = task_memcg_id(victim);
	e->victim_cgroup_id = BPF_CORE_READ(victim, cgroups, dfl_cgrp, kn, id);
	mm = BPF_CORE_READ(victim, mm);
	e->total_vm = BPF_CORE_READ(mm, total_vm);
	e->anon_rss = mm_counter(mm, TAPIO_MM_ANONPAGES);
	e->file_rss = mm_counter(mm, TAPIO_MM_FILEPAGES);
	e->shmem_rss = mm_counter(mm, TAPIO_MM_SHMEMPAGES);
	e->victim_pid = BPF_CORE_READ(victim, tgid);
	e->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	BPF_CORE_READ_INTO(&e->victim_comm, victim, comm);
	/* Rare and urgent: always wake the reader. */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

#endif /* TAPIO_OOM_H */
