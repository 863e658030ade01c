/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The wire format between Tapio's BPF programs and the Go decoder in
 * internal/ebpf/wire. Every sample starts with struct event_header; the body
 * follows at offset 48. All structs are naturally aligned with explicit
 * padding so that the layout is the same on every compiler and arch, and all
 * integers are little-endian (bpfel on amd64 and arm64).
 *
 * Changing a field here is a protocol change: bump TAPIO_WIRE_VERSION and
 * update internal/ebpf/wire, whose test compares both layouts.
 */
#ifndef TAPIO_EVENTS_H
#define TAPIO_EVENTS_H

#define TAPIO_WIRE_VERSION 1

#define TAPIO_COMM_LEN 16
#define TAPIO_FILENAME_LEN 256
#define TAPIO_ARGV_MAX 512
#define TAPIO_DNS_PAYLOAD_MAX 512

enum tapio_event_type {
	TAPIO_EVENT_EXEC = 1,
	TAPIO_EVENT_EXIT = 2,
	TAPIO_EVENT_OOM_KILL = 3,
	TAPIO_EVENT_TCP_STATE = 4,
	TAPIO_EVENT_TCP_RESET = 5,
	TAPIO_EVENT_TCP_RETRANSMIT = 6,
	TAPIO_EVENT_DNS = 7,
	TAPIO_EVENT_MAX = 8, /* size of the per-type counter arrays */
};

enum tapio_event_flag {
	/* exec: argv did not fit; dns: payload longer than captured */
	TAPIO_FLAG_TRUNCATED = 1 << 0,
	/* dns: the packet left a local socket (egress); clear on ingress */
	TAPIO_FLAG_EGRESS = 1 << 1,
	/* tcp reset: this host sent the RST */
	TAPIO_FLAG_RESET_SENT = 1 << 2,
	/* tcp reset: this host received the RST */
	TAPIO_FLAG_RESET_RECEIVED = 1 << 3,
	/* tcp reset sent with no socket (e.g. to a closed port): the
	 * addresses come from the offending packet, cookie and states are 0 */
	TAPIO_FLAG_NO_SOCKET = 1 << 4,
	/* exec: the filename filled the whole buffer and may be cut */
	TAPIO_FLAG_FILENAME_TRUNCATED = 1 << 5,
};

/* 48 bytes, first in every sample. */
struct event_header {
	__u64 ts_ns;     /* bpf_ktime_get_boot_ns: CLOCK_BOOTTIME */
	__u64 cgroup_id; /* cgroup v2 id of the subject; see each type */
	__u32 type;      /* enum tapio_event_type */
	__u32 pid;       /* tgid of the current task (see each type) */
	__u32 tid;
	__u32 flags;     /* enum tapio_event_flag */
	char comm[TAPIO_COMM_LEN];
};

/*
 * EXEC: 840 bytes at most; the sample ends after argv_len bytes of argv, so
 * its length is 328 + argv_len.
 */
struct exec_event {
	struct event_header hdr;
	__u32 ppid;     /* real_parent->tgid */
	__u32 uid;
	__u32 gid;
	__u32 pidns;    /* pid namespace inum of the task */
	__u32 mntns;    /* mount namespace inum of the task */
	__u32 argv_len; /* bytes of argv captured, NUL-separated arguments */
	char filename[TAPIO_FILENAME_LEN];
	char argv[TAPIO_ARGV_MAX];
};

/* EXIT: 56 bytes, one per process, when its last thread exits. */
struct exit_event {
	struct event_header hdr;
	__u32 ppid;
	__u32 exit_code; /* raw wait status: signal = & 0x7f, status = >> 8 & 0xff */
};

/*
 * OOM_KILL: 120 bytes. The header names the task that ran into the limit
 * (current); the body names the victim.
 */
struct oom_event {
	struct event_header hdr;
	__u64 memcg_id;         /* kernfs id (= inode) of the victim's memory cgroup, v1 or v2 */
	__u64 victim_cgroup_id; /* cgroup v2 id of the victim */
	__u64 total_vm;         /* pages */
	__u64 anon_rss;         /* pages */
	__u64 file_rss;         /* pages */
	__u64 shmem_rss;        /* pages */
	__u32 victim_pid;       /* tgid */
	__s32 oom_score_adj;
	char victim_comm[TAPIO_COMM_LEN];
};

/*
 * TCP_STATE, TCP_RESET, TCP_RETRANSMIT: 112 bytes. For resets and
 * retransmits oldstate and newstate are both the socket's state at the time.
 * The header's pid and cgroup are current's, which may be any task when the
 * kernel runs the hook in softirq; sk_cgroup_id is the socket's own cgroup.
 */
struct tcp_event {
	struct event_header hdr;
	__u64 sock_cookie;  /* bpf_get_socket_cookie, stable for the socket's life */
	__u64 sk_cgroup_id; /* cgroup v2 id of the socket (sk_cgrp_data), 0 if unknown */
	__u16 family;       /* AF_INET or AF_INET6 */
	__u16 protocol;     /* IPPROTO_TCP, IPPROTO_MPTCP... */
	__u16 sport;        /* host byte order */
	__u16 dport;        /* host byte order */
	__u8 saddr[16];     /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 oldstate;     /* TCP_ESTABLISHED = 1 ... as in include/net/tcp_states.h */
	__u32 newstate;
};

/*
 * DNS: 616 bytes at most; the sample ends after captured_len bytes of
 * payload, so its length is 104 + captured_len. The header's cgroup is the
 * socket's (bpf_sk_cgroup_id) or 0; pid, tid and comm are meaningful on
 * egress only (on ingress they name whatever task the softirq interrupted
 * and are zeroed).
 */
struct dns_event {
	struct event_header hdr;
	__u64 sock_cookie;    /* 0 when the packet has no socket */
	__u32 ifindex;
	__u16 family;
	__u16 sport;          /* host byte order */
	__u16 dport;          /* host byte order */
	__u16 payload_len;    /* UDP payload length from the UDP header */
	__u16 captured_len;   /* bytes in payload */
	__u16 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 payload[TAPIO_DNS_PAYLOAD_MAX];
};

/* The one entry of the config map, written by Go before attaching. */
struct tapio_config {
	__u32 enabled_types;   /* bit (1 << type) per enabled event type */
	__u32 containers_only; /* skip host processes and host-namespace sockets */
	__u32 argv_bytes;      /* argv bytes to capture, <= TAPIO_ARGV_MAX */
	__u32 rate_per_sec;    /* token refill for TCP and DNS per cgroup; 0 = unlimited */
	__u32 burst;           /* bucket size in events */
	__u32 wakeup_bytes;    /* wake the reader at this much pending data; 0 = every sample */
	__u64 host_netns_cookie; /* sockets in this netns are the host's */
};

/* Token bucket value, tokens scaled by 1e9 so refills need no division. */
struct rate_bucket {
	__u64 tokens;
	__u64 last_ns;
};

#endif /* TAPIO_EVENTS_H */
