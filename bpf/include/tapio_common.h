/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Maps, config, filters and accounting shared by every Tapio program. */
#ifndef TAPIO_COMMON_H
#define TAPIO_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "tapio_events.h"
#include "tapio_kernel.h"

#define NSEC_PER_SEC 1000000000ULL
/* PROC_PID_INIT_INO: the inode of the initial pid namespace, fixed by the kernel. */
#define HOST_PIDNS_INUM 0xEFFFFFFCU
/* Refill at most this much idle time so tokens * rate cannot overflow u64
 * (rate is capped at 1e6/s by the Go side: 1e12 * 1e6 < 2^64). */
#define MAX_REFILL_NS (1000ULL * NSEC_PER_SEC)

#define AF_INET 2
#define AF_INET6 10

/* Size comes from Go (Config.RingSize); this is only the default. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/*
 * A few KiB kept for the samples that explain a failure (OOM kills) when
 * the main ring is full: a reader starved of CPU loses samples of every
 * kind, and an OOM kill is rare, small and the one a user asks about.
 * Written only when the main ring has no room, so the reader, which is
 * then behind and looking at the rings without sleeping, needs no wakeup
 * from it. Size comes from Go (ReserveRingSize).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 10);
} events_reserve SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_config);
} settings SEC(".maps");

/* Per-type counters; per-CPU so the hot path never contends. */
#define TAPIO_COUNTER(name)                          \
	struct {                                     \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, TAPIO_EVENT_MAX);    \
		__type(key, __u32);                      \
		__type(value, __u64);                    \
	} name SEC(".maps")

/* ring buffer reserve/output failures */
TAPIO_COUNTER(lost);
/* dropped by the per-cgroup token bucket */
TAPIO_COUNTER(shed);
/* passed every filter and was offered to the ring: produced = read + lost */
TAPIO_COUNTER(produced);
/* written to events_reserve because the main ring was full (read, not lost) */
TAPIO_COUNTER(reserved);

/*
 * Scratch for the variable-size samples (exec, dns), built here and copied
 * with bpf_ringbuf_output. One slot per context that may interleave on a
 * CPU: exec and dns egress run in process context, dns ingress in softirq.
 * The union also puts every wire type into the object's BTF, which bpf2go
 * needs to generate their Go mirrors.
 */
union tapio_scratch {
	struct exec_event exec;
	struct exit_event exit;
	struct oom_event oom;
	struct tcp_event tcp;
	struct dns_event dns;
	enum tapio_event_type type;
	enum tapio_event_flag flag;
};

enum tapio_scratch_slot {
	SCRATCH_EXEC = 0,
	SCRATCH_DNS_EGRESS = 1,
	SCRATCH_DNS_INGRESS = 2,
	SCRATCH_SLOTS = 3,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, union tapio_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, struct rate_bucket);
} buckets SEC(".maps");

static __always_inline void count(void *map, __u32 type)
{
	__u64 *v = bpf_map_lookup_elem(map, &type);

	if (v)
		*v += 1;
}

/* The config for this event type, or NULL when the type is disabled. */
static __always_inline const struct tapio_config *enabled(__u32 type)
{
	__u32 zero = 0;
	const struct tapio_config *cfg = bpf_map_lookup_elem(&settings, &zero);

	if (!cfg || !(cfg->enabled_types & (1U << type)))
		return NULL;
	return cfg;
}

/*
 * Per-cgroup token bucket for the noisy types. Updates race between CPUs;
 * the bucket is a guard against floods, so an occasional extra or missing
 * token is acceptable and cheaper than a lock.
 */
static __always_inline bool rate_allow(const struct tapio_config *cfg, __u64 cgid,
				       __u32 type, __u64 now)
{
	__u64 rate = cfg->rate_per_sec;
	__u64 cap = (__u64)cfg->burst * NSEC_PER_SEC;
	struct rate_bucket *b;
	__u64 elapsed, tokens;

	if (!rate)
		return true;
	b = bpf_map_lookup_elem(&buckets, &cgid);
	if (!b) {
		struct rate_bucket nb = { .last_ns = now };

		if (cap >= NSEC_PER_SEC)
			nb.tokens = cap - NSEC_PER_SEC;
		bpf_map_update_elem(&buckets, &cgid, &nb, BPF_ANY);
		return true;
	}
	elapsed = now > b->last_ns ? now - b->last_ns : 0;
	if (elapsed > MAX_REFILL_NS)
		elapsed = MAX_REFILL_NS;
	tokens = b->tokens + elapsed * rate;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = now;
	if (tokens < NSEC_PER_SEC) {
		b->tokens = tokens;
		count(&shed, type);
		return false;
	}
	b->tokens = tokens - NSEC_PER_SEC;
	return true;
}

static __always_inline void fill_header(struct event_header *h, __u32 type, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = now;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->type = type;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->flags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * comm as bpf_get_current_comm returns it: the bytes up to the first NUL,
 * zero-padded. task->comm always holds a NUL, but only kernels that set it
 * with strscpy_pad zero the rest, so the bytes after the first NUL are
 * cleared here: in each little-endian word, the lowest byte that is zero is
 * found with the usual has-zero-byte trick (exact for the lowest one).
 */
static __always_inline void copy_comm(char *dst, const struct task_struct___tapio *t)
{
	const __u64 ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	__u64 w0 = *(const __u64 *)&t->comm[0];
	__u64 w1 = *(const __u64 *)&t->comm[8];
	__u64 z;

	z = (w0 - ones) & ~w0 & highs;
	if (z) {
		w0 &= (z & -z) - 1;
		w1 = 0;
	} else {
		z = (w1 - ones) & ~w1 & highs;
		w1 &= z ? (z & -z) - 1 : ~0ULL >> 8;
	}
	*(__u64 *)&dst[0] = w0;
	*(__u64 *)&dst[8] = w1;
}

/*
 * fill_header for a task that is current: the same values the helpers
 * would return, read with direct loads instead of four helper calls.
 */
static __always_inline void fill_header_task(struct event_header *h, __u32 type, __u64 now,
					     const struct task_struct___tapio *t)
{
	h->ts_ns = now;
	h->type = type;
	h->pid = t->tgid;
	h->tid = t->pid;
	h->flags = 0;
	copy_comm(h->comm, t);
}

/* fill_header for whatever task is current, from its task_struct. */
static __always_inline void fill_header_current(struct event_header *h, __u32 type, __u64 now)
{
	const struct task_struct___tapio *t = (const void *)bpf_get_current_task_btf();

	h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	fill_header_task(h, type, now, t);
}

/* Bytes written on this CPU since it last woke the reader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unwoken SEC(".maps");

/*
 * Waking the reader costs an irq_work self-IPI per sample, several µs in a
 * VM, more than the rest of a program, and the IPI is handled inside the
 * program's run. With wakeup_bytes set, each CPU counts what it wrote, and
 * each time that reaches wakeup_bytes it asks the ring how much data waits
 * and wakes the reader only if that much does; the reader's flush timer
 * picks up the rest, so a reader the timer keeps up with is never woken.
 * The count is per CPU and the ring is asked only then on purpose:
 * bpf_ringbuf_query reads the consumer position the reader writes from
 * another CPU, a cache miss that cost ~150 ns when paid per event.
 */
static __always_inline __u64 wakeup_flags(const struct tapio_config *cfg, __u64 size)
{
	__u32 zero = 0;
	__u64 *n;

	if (!cfg->wakeup_bytes)
		return 0;
	n = bpf_map_lookup_elem(&unwoken, &zero);
	if (!n)
		return 0;
	*n += size;
	if (*n < cfg->wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	*n = 0;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < cfg->wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	return BPF_RB_FORCE_WAKEUP;
}

/* Reserve a fixed-size sample, counting the attempt and any failure. */
static __always_inline void *reserve(__u64 size, __u32 type)
{
	void *e;

	count(&produced, type);
	e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		count(&lost, type);
	return e;
}

/*
 * Reserve a sample that may fall back on the reserve ring when the main
 * one is full; only a sample neither has room for is lost. Submit it
 * with bpf_ringbuf_submit as any other: the sample knows its ring.
 */
static __always_inline void *reserve_kept(__u64 size, __u32 type)
{
	void *e;

	count(&produced, type);
	e = bpf_ringbuf_reserve(&events, size, 0);
	if (e)
		return e;
	e = bpf_ringbuf_reserve(&events_reserve, size, 0);
	if (e)
		count(&reserved, type);
	else
		count(&lost, type);
	return e;
}

static __always_inline void submit(void *e, __u64 size, const struct tapio_config *cfg)
{
	bpf_ringbuf_submit(e, wakeup_flags(cfg, size));
}

/* Copy a variable-size sample built in scratch memory into the ring. */
static __always_inline void output(const struct tapio_config *cfg, void *data, __u64 size,
				   __u32 type)
{
	count(&produced, type);
	if (bpf_ringbuf_output(&events, data, size, wakeup_flags(cfg, size)))
		count(&lost, type);
}

#endif /* TAPIO_COMMON_H */
