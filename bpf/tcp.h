/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* TCP state changes, resets and retransmits. Rate limited per cgroup. */
#ifndef TAPIO_TCP_H
#define TAPIO_TCP_H

#include "tapio_common.h"

#define TAPIO_TCP_TIME_WAIT 6
#define TAPIO_TCP_NEW_SYN_RECV 12
#define TAPIO_IPPROTO_TCP 6
#define TAPIO_ETH_P_IP 0x0800
#define TAPIO_ETH_P_IPV6 0x86DD

/* Packet headers as on the wire; not kernel structs, so no CO-RE. */
struct tapio_iphdr {
	__u8 ver_ihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__u32 saddr;
	__u32 daddr;
};

struct tapio_ipv6hdr {
	__u32 ver_tc_flow;
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct tapio_ports {
	__u16 source;
	__u16 dest;
};

/* Request and time-wait sockets share only sock_common with struct sock. */
static __always_inline bool full_sock(const struct sock___tapio *sk)
{
	__u8 state = sk->__sk_common.skc_state;

	return state != TAPIO_TCP_TIME_WAIT && state != TAPIO_TCP_NEW_SYN_RECV;
}

static __always_inline __u64 sock_cgroup_id(const struct sock___tapio *sk)
{
	if (!bpf_core_field_exists(struct sock_cgroup_data___tapio, cgroup) || !full_sock(sk))
		return 0;
	return sk->sk_cgrp_data.cgroup->kn->id;
}

/*
 * With containers_only, a socket in the host's network namespace is the
 * host's: the task on CPU may be any task when the hook runs in softirq, so
 * the socket's namespace is the one reliable owner mark.
 */
static __always_inline bool skip_host_sock(const struct tapio_config *cfg, const struct sock___tapio *sk)
{
	if (!cfg->containers_only || !cfg->host_netns_cookie)
		return false;
	return sk->__sk_common.skc_net.net->net_cookie == cfg->host_netns_cookie;
}

static __always_inline void fill_sock(struct tcp_event *e, const struct sock___tapio *sk)
{
	const struct sock_common___tapio *skc = &sk->__sk_common;
	__u16 family = skc->skc_family;

	e->family = family;
	e->protocol = full_sock(sk) ? sk->sk_protocol : TAPIO_IPPROTO_TCP;
	e->sport = skc->skc_num;
	/* Moving to CLOSE releases the port (skc_num = 0) before the
	 * tracepoint runs; the bound port is still in inet_sport. */
	if (!e->sport && full_sock(sk))
		e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock___tapio *)sk, inet_sport));
	e->dport = bpf_ntohs(skc->skc_dport);
	if (family == AF_INET) {
		__u32 *s = (__u32 *)e->saddr, *d = (__u32 *)e->daddr;

		s[0] = skc->skc_rcv_saddr;
		d[0] = skc->skc_daddr;
	} else if (family == AF_INET6) {
		__u32 *s = (__u32 *)e->saddr, *d = (__u32 *)e->daddr;

		s[0] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[0];
		s[1] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[1];
		s[2] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[2];
		s[3] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[3];
		d[0] = skc->skc_v6_daddr.in6_u.u6_addr32[0];
		d[1] = skc->skc_v6_daddr.in6_u.u6_addr32[1];
		d[2] = skc->skc_v6_daddr.in6_u.u6_addr32[2];
		d[3] = skc->skc_v6_daddr.in6_u.u6_addr32[3];
	}
	e->sock_cookie = bpf_get_socket_cookie((void *)sk);
}

/* A reset sent with no socket answers the packet in skb: the local end is
 * the packet's destination. */
static __always_inline void fill_from_skb(struct tcp_event *e, const struct sk_buff___tapio *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct tapio_ports ports = {};

	e->protocol = TAPIO_IPPROTO_TCP;
	if (proto == TAPIO_ETH_P_IP) {
		struct tapio_iphdr ip = {};

		bpf_probe_read_kernel(&ip, sizeof(ip), head + nh);
		e->family = AF_INET;
		__builtin_memcpy(e->saddr, &ip.daddr, 4);
		__builtin_memcpy(e->daddr, &ip.saddr, 4);
	} else if (proto == TAPIO_ETH_P_IPV6) {
		struct tapio_ipv6hdr ip6 = {};

		bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh);
		e->family = AF_INET6;
		__builtin_memcpy(e->saddr, ip6.daddr, 16);
		__builtin_memcpy(e->daddr, ip6.saddr, 16);
	}
	bpf_probe_read_kernel(&ports, sizeof(ports), head + th);
	e->sport = bpf_ntohs(ports.dest);
	e->dport = bpf_ntohs(ports.source);
}

/*
 * Common path: filters, bucket, reserve. sk may be NULL only for resets;
 * the bucket is the socket's cgroup, else current's.
 */
static __always_inline struct tcp_event *tcp_reserve(__u32 type, const struct sock___tapio *sk,
						     const struct tapio_config **cfgp)
{
	const struct tapio_config *cfg = enabled(type);
	__u64 now, skcg;
	struct tcp_event *e;

	if (!cfg)
		return NULL;
	if (sk && skip_host_sock(cfg, sk))
		return NULL;
	now = bpf_ktime_get_boot_ns();
	skcg = sk ? sock_cgroup_id(sk) : 0;
	if (!rate_allow(cfg, skcg ? skcg : bpf_get_current_cgroup_id(), type, now))
		return NULL;
	e = reserve(sizeof(*e), type);
	if (!e)
		return NULL;
	/* Ring memory is not zeroed and IPv4 fills only part of the addresses. */
	__builtin_memset(e, 0, sizeof(*e));
	fill_header_current(&e->hdr, type, now);
	e->sk_cgroup_id = skcg;
	*cfgp = cfg;
	return e;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tapio_tcp_state, const struct sock___tapio *sk, int oldstate, int newstate)
{
	const struct tapio_config *cfg;
	struct tcp_event *e = tcp_reserve(TAPIO_EVENT_TCP_STATE, sk, &cfg);

	if (!e)
		return 0;
	fill_sock(e, sk);
	e->oldstate = oldstate;
	e->newstate = newstate;
	submit(e, sizeof(*e), cfg);
	return 0;
}

static __always_inline void tcp_sock_event(__u32 type, const struct sock___tapio *sk,
					   const struct sk_buff___tapio *skb, __u32 flags)
{
	const struct tapio_config *cfg;
	struct tcp_event *e = tcp_reserve(type, sk, &cfg);
	__u32 state;

	if (!e)
		return;
	e->hdr.flags |= flags;
	if (sk) {
		fill_sock(e, sk);
		state = sk->__sk_common.skc_state;
		e->oldstate = state;
		e->newstate = state;
	} else {
		e->hdr.flags |= TAPIO_FLAG_NO_SOCKET;
		if (skb)
			fill_from_skb(e, skb);
	}
	submit(e, sizeof(*e), cfg);
}

/* Only the (sk, skb) arguments, which every kernel with this tracepoint has;
 * the reset reason came later. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tapio_rst_sent, const struct sock___tapio *sk, const struct sk_buff___tapio *skb)
{
	tcp_sock_event(TAPIO_EVENT_TCP_RESET, sk, skb, TAPIO_FLAG_RESET_SENT);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tapio_rst_recv, struct sock___tapio *sk)
{
	tcp_sock_event(TAPIO_EVENT_TCP_RESET, sk, NULL, TAPIO_FLAG_RESET_RECEIVED);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tapio_retrans, const struct sock___tapio *sk, const struct sk_buff___tapio *skb)
{
	tcp_sock_event(TAPIO_EVENT_TCP_RETRANSMIT, sk, skb, 0);
	return 0;
}

#endif /* TAPIO_TCP_H */
