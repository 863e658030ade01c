/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS: the first bytes of every UDP datagram to or from port 53, seen by
 * cgroup_skb on the cgroup v2 root, so every socket on the host passes here.
 * The name is parsed in user space. The programs always return 1 (allow):
 * Tapio observes and never drops traffic.
 */
#ifndef TAPIO_DNS_H
#define TAPIO_DNS_H

#include "tapio_common.h"
#include "tcp.h"

#define TAPIO_IPPROTO_UDP 17
#define TAPIO_DNS_PORT 53
#define TAPIO_IP_OFFSET_MASK 0x1fff

struct tapio_udphdr {
	__u16 source;
	__u16 dest;
	__u16 len;
	__u16 check;
};

static __always_inline int dns(struct __sk_buff *skb, bool egress)
{
	const struct tapio_config *cfg = enabled(TAPIO_EVENT_DNS);
	__u32 slot = egress ? SCRATCH_DNS_EGRESS : SCRATCH_DNS_INGRESS;
	__u32 off, plen, avail, cap;
	struct tapio_udphdr udp;
	struct bpf_sock *sk;
	struct dns_event *e;
	__u16 family;
	__u64 now;

	if (!cfg)
		return 1;
	e = bpf_map_lookup_elem(&scratch, &slot);
	if (!e)
		return 1;

	if (skb->protocol == bpf_htons(TAPIO_ETH_P_IP)) {
		struct tapio_iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return 1;
		/* Only the first fragment carries the UDP header. */
		if (ip.protocol != TAPIO_IPPROTO_UDP ||
		    (bpf_ntohs(ip.frag_off) & TAPIO_IP_OFFSET_MASK))
			return 1;
		off = (ip.ver_ihl & 0x0f) * 4;
		family = AF_INET;
		__builtin_memset(e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		__builtin_memcpy(e->saddr, &ip.saddr, 4);
		__builtin_memcpy(e->daddr, &ip.daddr, 4);
	} else if (skb->protocol == bpf_htons(TAPIO_ETH_P_IPV6)) {
		struct tapio_ipv6hdr ip6;

		/* Extension headers before UDP are not followed: DNS does
		 * not use them in practice. */
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return 1;
		if (ip6.nexthdr != TAPIO_IPPROTO_UDP)
			return 1;
		off = sizeof(ip6);
		family = AF_INET6;
		__builtin_memcpy(e->saddr, ip6.saddr, 16);
		__builtin_memcpy(e->daddr, ip6.daddr, 16);
	} else {
		return 1;
	}
	if (bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)))
		return 1;
	if (udp.source != bpf_htons(TAPIO_DNS_PORT) && udp.dest != bpf_htons(TAPIO_DNS_PORT))
		return 1;

	if (cfg->containers_only && cfg->host_netns_cookie &&
	    bpf_get_netns_cookie(skb) == cfg->host_netns_cookie)
		return 1;

	now = bpf_ktime_get_boot_ns();
	e->hdr.cgroup_id = 0;
	sk = skb->sk;
	if (sk) {
		sk = bpf_sk_fullsock(sk);
		if (sk)
			e->hdr.cgroup_id = bpf_sk_cgroup_id(sk);
	}
	if (!rate_allow(cfg, e->hdr.cgroup_id, TAPIO_EVENT_DNS, now))
		return 1;

	e->hdr.ts_ns = now;
	e->hdr.type = TAPIO_EVENT_DNS;
	e->hdr.flags = egress ? TAPIO_FLAG_EGRESS : 0;
	if (egress) {
		__u64 id = bpf_get_current_pid_tgid();

		e->hdr.pid = id >> 32;
		e->hdr.tid = (__u32)id;
		bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	} else {
		e->hdr.pid = 0;
		e->hdr.tid = 0;
		__builtin_memset(e->hdr.comm, 0, sizeof(e->hdr.comm));
	}
	e->sock_cookie = bpf_get_socket_cookie(skb);
	e->ifindex = skb->ifindex;
	e->family = family;
	e->sport = bpf_ntohs(udp.source);
	e->dport = bpf_ntohs(udp.dest);
	e->_pad = 0;

	plen = bpf_ntohs(udp.len);
	plen = plen > sizeof(udp) ? plen - sizeof(udp) : 0;
	off += sizeof(udp);
	avail = skb->len > off ? skb->len - off : 0;
	cap = plen < avail ? plen : avail;
	if (cap > TAPIO_DNS_PAYLOAD_MAX) {
		cap = TAPIO_DNS_PAYLOAD_MAX;
	}
	if (cap < plen)
		e->hdr.flags |= TAPIO_FLAG_TRUNCATED;
	if (cap > 0) {
		/* cap is already 1..512; the mask restates it in a form the
		 * verifier tracks, whatever the compiler did to the clamp. */
		cap = ((cap - 1) & (TAPIO_DNS_PAYLOAD_MAX - 1)) + 1;
		if (bpf_skb_load_bytes(skb, off, e->payload, cap))
			cap = 0;
	}
	e->payload_len = plen;
	e->captured_len = cap;
	if (cap > TAPIO_DNS_PAYLOAD_MAX)
		return 1;
	output(cfg, e, offsetof(struct dns_event, payload) + cap, TAPIO_EVENT_DNS);
	return 1;
}

SEC("cgroup_skb/egress")
int tapio_dns_out(struct __sk_buff *skb)
{
	return dns(skb, true);
}

SEC("cgroup_skb/ingress")
int tapio_dns_in(struct __sk_buff *skb)
{
	return dns(skb, false);
}

#endif /* TAPIO_DNS_H */
