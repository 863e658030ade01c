package kubecache

import (
	"net/netip"
	"time"
)

// lease is one pod's hold on an IP for a span of time. Pod IPs are reused
// as soon as a pod is gone, so an IP names a pod only together with a
// time: an event from before the switch must resolve to the old pod.
type lease struct {
	pod  *Pod
	from time.Time
	// to is zero while the pod still holds the IP.
	to time.Time
}

// updateLeases opens leases for the pod's new IPs and ends those it gave
// up. Host-network pods share the node's address and take no lease.
func (c *Cache) updateLeases(p *Pod, oldIPs []netip.Addr, now time.Time) {
	for _, ip := range oldIPs {
		if !contains(p.IPs, ip) {
			c.endLease(ip, p.UID, now)
		}
	}
	if p.HostNetwork {
		return
	}
	for _, ip := range p.IPs {
		ls := c.leases[ip]
		if n := len(ls); n > 0 && ls[n-1].pod.UID == p.UID && ls[n-1].to.IsZero() {
			ls[n-1].pod = p
			continue
		}
		// The pod existed from its creation, so events carrying the
		// address cannot predate that; the API's second resolution rounds
		// it down. If the previous holder's lease ended later (the new pod
		// was created while the old one still ran), the new lease starts
		// there instead, so spans never overlap.
		from := p.Created
		for i := range ls {
			if ls[i].to.IsZero() {
				// The address moved without the old pod's deletion seen yet.
				ls[i].to = now
			}
			if ls[i].to.After(from) {
				from = ls[i].to
			}
		}
		c.leases[ip] = append(ls, lease{pod: p, from: from})
	}
}

func (c *Cache) endLeases(p *Pod, now time.Time) {
	for _, ip := range p.IPs {
		c.endLease(ip, p.UID, now)
	}
}

func (c *Cache) endLease(ip netip.Addr, uid string, now time.Time) {
	ls := c.leases[ip]
	for i := range ls {
		if ls[i].pod.UID == uid && ls[i].to.IsZero() {
			ls[i].to = now
		}
	}
}

func (c *Cache) sweepLeases(cutoff time.Time) {
	for ip, ls := range c.leases {
		kept := ls[:0]
		for _, l := range ls {
			if l.to.IsZero() || l.to.After(cutoff) {
				kept = append(kept, l)
			}
		}
		if len(kept) == 0 {
			delete(c.leases, ip)
		} else {
			c.leases[ip] = kept
		}
	}
}

// PodByIP returns the pod that held ip at time at. With a zero time it
// returns the current holder.
func (c *Cache) PodByIP(ip netip.Addr, at time.Time) *Pod {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ls := c.leases[ip]
	for i := len(ls) - 1; i >= 0; i-- {
		l := ls[i]
		if at.IsZero() {
			if l.to.IsZero() {
				return l.pod
			}
			continue
		}
		if !at.Before(l.from) && (l.to.IsZero() || at.Before(l.to)) {
			return l.pod
		}
	}
	return nil
}

func contains(ips []netip.Addr, ip netip.Addr) bool {
	for _, x := range ips {
		if x == ip {
			return true
		}
	}
	return false
}
