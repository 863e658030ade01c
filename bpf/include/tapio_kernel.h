/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few kernel fields Tapio reads, as CO-RE flavors of vmlinux.h's
 * structs. The loader matches each one to the running kernel's type by the
 * name before "___" and relocates every offset, so these need no layout of
 * their own; they only list fields.
 *
 * Why not read vmlinux.h's structs directly: every CO-RE access emits the
 * whole accessed struct into the object's BTF, and task_struct, sock and
 * sk_buff drag in about 90 KB of types. With these flavors the object keeps
 * only what it touches and stays well under its 128 KB budget.
 */
#ifndef TAPIO_KERNEL_H
#define TAPIO_KERNEL_H

#define TAPIO_CORE __attribute__((preserve_access_index))

struct ns_common___tapio {
	unsigned int inum;
} TAPIO_CORE;

struct pid_namespace___tapio {
	struct ns_common___tapio ns;
} TAPIO_CORE;

struct mnt_namespace___tapio {
	struct ns_common___tapio ns;
} TAPIO_CORE;

struct nsproxy___tapio {
	struct mnt_namespace___tapio *mnt_ns;
} TAPIO_CORE;

struct upid___tapio {
	int nr;
	struct pid_namespace___tapio *ns;
} TAPIO_CORE;

/* numbers[] became a flexible array in 6.5; before it was numbers[1]. */
struct pid___tapio {
	unsigned int level;
	struct upid___tapio numbers[];
} TAPIO_CORE;

struct kernfs_node___tapio {
	__u64 id;
} TAPIO_CORE;

struct cgroup___tapio {
	struct kernfs_node___tapio *kn;
} TAPIO_CORE;

struct cgroup_subsys_state___tapio {
	struct cgroup___tapio *cgroup;
} TAPIO_CORE;

struct css_set___tapio {
	struct cgroup_subsys_state___tapio *subsys[1];
	struct cgroup___tapio *dfl_cgrp;
} TAPIO_CORE;

struct percpu_counter___tapio {
	__s64 count;
} TAPIO_CORE;

struct mm_struct___tapio {
	unsigned long total_vm;
	unsigned long arg_start;
	unsigned long arg_end;
	struct percpu_counter___tapio rss_stat[4];
} TAPIO_CORE;

/* Before 6.2 mm->rss_stat was a struct of atomic_long_t counters. */
struct mm_rss_stat___tapio {
	long count[4];
} TAPIO_CORE;

struct mm_struct___tapio_old {
	struct mm_rss_stat___tapio rss_stat;
} TAPIO_CORE;

struct signal_struct___tapio {
	struct {
		int counter;
	} live;
	short oom_score_adj;
} TAPIO_CORE;

struct user_namespace___tapio {
	int level;
} TAPIO_CORE;

struct cred___tapio {
	struct {
		unsigned int val;
	} uid;
	struct {
		unsigned int val;
	} gid;
	struct user_namespace___tapio *user_ns;
} TAPIO_CORE;

struct task_struct___tapio {
	int pid;
	int tgid;
	int exit_code;
	char comm[16];
	struct task_struct___tapio *real_parent;
	struct pid___tapio *thread_pid;
	struct nsproxy___tapio *nsproxy;
	struct mm_struct___tapio *mm;
	struct css_set___tapio *cgroups;
	struct signal_struct___tapio *signal;
	const struct cred___tapio *cred;
} TAPIO_CORE;

struct linux_binprm___tapio {
	const char *filename;
} TAPIO_CORE;

struct net___tapio {
	__u64 net_cookie;
} TAPIO_CORE;

/* skc_daddr, skc_num... sit in anonymous unions in the kernel; CO-RE finds
 * them through those, so they are listed flat here. */
struct sock_common___tapio {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	unsigned char skc_state;
	struct {
		struct net___tapio *net;
	} skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} TAPIO_CORE;

struct sock_cgroup_data___tapio {
	struct cgroup___tapio *cgroup;
} TAPIO_CORE;

struct sock___tapio {
	struct sock_common___tapio __sk_common;
	__u16 sk_protocol;
	struct sock_cgroup_data___tapio sk_cgrp_data;
} TAPIO_CORE;

/* inet_sport keeps the local port after close has released skc_num. */
struct inet_sock___tapio {
	__be16 inet_sport;
} TAPIO_CORE;

struct sk_buff___tapio {
	unsigned char *head;
	__u16 transport_header;
	__u16 network_header;
	__be16 protocol;
} TAPIO_CORE;

#endif /* TAPIO_KERNEL_H */
