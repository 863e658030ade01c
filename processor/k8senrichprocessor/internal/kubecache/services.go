package kubecache

import (
	"net/netip"
	"slices"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
)

// Service is the compact form of a Service.
type Service struct {
	Name       string
	Namespace  string
	ClusterIPs []netip.Addr
	// Selector is key, value pairs; a Service without one selects no pod
	// (its endpoints are managed by hand).
	Selector []string
}

// NameList is the Service's name as a one-element list, the form a peer's
// services take, without allocating one per event: it aliases Name, so
// callers must only read it.
func (s *Service) NameList() []string { return unsafe.Slice(&s.Name, 1) }

func serviceFrom(in *corev1.Service, it *interner) *Service {
	s := &Service{Name: it.get(in.Name), Namespace: it.get(in.Namespace)}
	ips := in.Spec.ClusterIPs
	if len(ips) == 0 && in.Spec.ClusterIP != "" {
		ips = []string{in.Spec.ClusterIP}
	}
	for _, ip := range ips {
		// "None" (headless) does not parse and is rightly skipped.
		if a, err := netip.ParseAddr(ip); err == nil {
			s.ClusterIPs = append(s.ClusterIPs, a.Unmap())
		}
	}
	for k, v := range in.Spec.Selector {
		s.Selector = append(s.Selector, it.get(k), it.get(v))
	}
	return s
}

// selects reports whether the Service's selector matches the pod.
func (s *Service) selects(p *Pod) bool {
	if len(s.Selector) == 0 || s.Namespace != p.Namespace {
		return false
	}
	for i := 0; i+1 < len(s.Selector); i += 2 {
		if v, ok := p.label(s.Selector[i]); !ok || v != s.Selector[i+1] {
			return false
		}
	}
	return true
}

// servicesFor lists, sorted, the Services selecting p.
func (c *Cache) servicesFor(p *Pod) []string {
	var out []string
	for _, s := range c.services {
		if s.selects(p) {
			out = append(out, s.Name)
		}
	}
	slices.Sort(out)
	return out
}

// UpsertService adds or replaces a Service.
func (c *Cache) UpsertService(s *Service) {
	c.mu.Lock()
	c.upsertServiceLocked(s)
	c.refreshServices(s.Namespace)
	c.mu.Unlock()
	c.notify()
}

func (c *Cache) upsertServiceLocked(s *Service) {
	k := nsName{s.Namespace, s.Name}
	if old := c.services[k]; old != nil {
		c.dropClusterIPs(old)
	}
	c.services[k] = s
	for _, ip := range s.ClusterIPs {
		c.byClusterIP[ip] = s
	}
}

// DeleteService removes a Service.
func (c *Cache) DeleteService(namespace, name string) {
	c.mu.Lock()
	k := nsName{namespace, name}
	if old := c.services[k]; old != nil {
		c.dropClusterIPs(old)
		delete(c.services, k)
		c.refreshServices(namespace)
	}
	c.mu.Unlock()
	c.notify()
}

// ReplaceServices makes list the full set of Services.
func (c *Cache) ReplaceServices(list []*Service) {
	c.mu.Lock()
	c.services = make(map[nsName]*Service, len(list))
	c.byClusterIP = make(map[netip.Addr]*Service, len(list))
	for _, s := range list {
		c.upsertServiceLocked(s)
	}
	c.refreshServices("")
	c.synced[ResourceServices] = true
	c.mu.Unlock()
	c.notify()
}

func (c *Cache) dropClusterIPs(s *Service) {
	for _, ip := range s.ClusterIPs {
		if c.byClusterIP[ip] == s {
			delete(c.byClusterIP, ip)
		}
	}
}

// refreshServices recomputes the Services of the pods in a namespace (all
// namespaces for ""). Service changes are rare next to lookups, so the
// work is done here rather than per event. Pods are immutable once
// published, so a changed one is replaced by a copy.
func (c *Cache) refreshServices(namespace string) {
	for k := range c.backends {
		if namespace == "" || k.ns == namespace {
			delete(c.backends, k)
		}
	}
	for uid, e := range c.byUID {
		p := e.pod
		if namespace != "" && p.Namespace != namespace {
			continue
		}
		svcs := c.servicesFor(p)
		if slices.Equal(svcs, p.Services) {
			c.addBackend(e)
			continue
		}
		cp := *p
		cp.Services = svcs
		ne := &entry{pod: &cp, deleted: e.deleted}
		c.byUID[uid] = ne
		if k := (nsName{p.Namespace, p.Name}); c.byName[k] == e {
			c.byName[k] = ne
		}
		for _, ct := range p.Containers {
			if c.byContainer[ct.ID] == e {
				c.byContainer[ct.ID] = ne
			}
		}
		for _, ip := range p.IPs {
			ls := c.leases[ip]
			for i := range ls {
				if ls[i].pod == p {
					ls[i].pod = &cp
				}
			}
		}
		c.addBackend(ne)
	}
}

// addBackend records a live pod as a backend of the Services selecting it.
func (c *Cache) addBackend(e *entry) {
	if !e.deleted.IsZero() {
		return
	}
	for _, name := range e.pod.Services {
		k := nsName{e.pod.Namespace, name}
		m := c.backends[k]
		if m == nil {
			m = map[string]*Pod{}
			c.backends[k] = m
		}
		m[e.pod.UID] = e.pod
	}
}

// dropBackend forgets a pod as a backend of the Services it had.
func (c *Cache) dropBackend(p *Pod) {
	for _, name := range p.Services {
		k := nsName{p.Namespace, name}
		delete(c.backends[k], p.UID)
		if len(c.backends[k]) == 0 {
			delete(c.backends, k)
		}
	}
}

// ServiceByIP returns the Service with this ClusterIP, and the pod behind
// it when exactly one live pod backs it: with several, which one a
// connection reached is decided by kube-proxy after the event and cannot
// be known from the ClusterIP.
func (c *Cache) ServiceByIP(ip netip.Addr) (*Service, *Pod) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.byClusterIP[ip]
	if s == nil || len(s.Selector) == 0 {
		return s, nil
	}
	m := c.backends[nsName{s.Namespace, s.Name}]
	if len(m) != 1 {
		return s, nil
	}
	for _, p := range m {
		return s, p
	}
	return s, nil
}
