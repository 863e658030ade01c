package kubecache

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Cache holds the reduced objects and answers lookups. Lookups take a read
// lock and allocate nothing; writes come from the reflectors.
type Cache struct {
	node      string
	retention time.Duration

	mu          sync.RWMutex
	byUID       map[string]*entry
	byName      map[nsName]*entry
	byContainer map[string]*entry
	leases      map[netip.Addr][]lease
	services    map[nsName]*Service
	byClusterIP map[netip.Addr]*Service
	// owners maps, per kind (ReplicaSet, Job), an object's uid to its own
	// controller: the one step of the owner chain a pod's reference does
	// not show.
	owners map[string]map[string]Owner
	// ownersGen counts changes to owners, so a workload remembered on a
	// pod (Workload) is known stale without a look at the maps.
	ownersGen atomic.Uint64
	// backends are the live pods each Service selects, so the pod behind
	// a ClusterIP is found without a scan.
	backends map[nsName]map[string]*Pod
	intern   interner
	synced   map[string]bool

	// changed gets a token after every write, so events held back for a
	// missing pod are retried when something arrives rather than polled.
	changed chan struct{}
}

// entry is a pod and, once it has left the API server, when it did.
// Deleted pods stay for the retention window: their events are often
// still in flight, and a short-lived pod may be gone before the first of
// them is read.
type entry struct {
	pod     *Pod
	deleted time.Time
}

type nsName struct{ ns, name string }

// New returns an empty cache for the given node. Deleted pods and ended
// IP leases are kept for retention.
func New(node string, retention time.Duration) *Cache {
	return &Cache{
		node:        node,
		retention:   retention,
		byUID:       map[string]*entry{},
		byName:      map[nsName]*entry{},
		byContainer: map[string]*entry{},
		leases:      map[netip.Addr][]lease{},
		services:    map[nsName]*Service{},
		byClusterIP: map[netip.Addr]*Service{},
		owners:      map[string]map[string]Owner{},
		backends:    map[nsName]map[string]*Pod{},
		synced:      map[string]bool{},
		changed:     make(chan struct{}, 1),
	}
}

// Node is the node whose pods keep their container ids.
func (c *Cache) Node() string { return c.node }

// Changed is signalled (coalesced) after each write.
func (c *Cache) Changed() <-chan struct{} { return c.changed }

func (c *Cache) notify() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// What the cache is filled from, as Synced names them.
const (
	ResourcePods     = "pods"
	ResourceServices = "services"
	KindReplicaSet   = "ReplicaSet"
	KindJob          = "Job"
)

// Synced reports whether every named resource (or owner kind) has
// completed its first list.
func (c *Cache) Synced(resources ...string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range resources {
		if !c.synced[r] {
			return false
		}
	}
	return true
}

// Len returns how many pods (live and retained) the cache holds.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byUID)
}

// PodByUID returns a live or recently deleted pod.
func (c *Cache) PodByUID(uid string) *Pod {
	c.mu.RLock()
	e := c.byUID[uid]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	return e.pod
}

// PodByContainer returns the pod running a container on this node.
func (c *Cache) PodByContainer(id string) *Pod {
	c.mu.RLock()
	e := c.byContainer[id]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	return e.pod
}

// PodByName returns the newest pod with this namespace and name.
func (c *Cache) PodByName(namespace, name string) *Pod {
	c.mu.RLock()
	e := c.byName[nsName{namespace, name}]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	return e.pod
}

// UpsertPod adds or replaces a pod, observed at now.
func (c *Cache) UpsertPod(p *Pod, now time.Time) {
	c.mu.Lock()
	c.upsertLocked(p, now)
	c.mu.Unlock()
	c.notify()
}

func (c *Cache) upsertLocked(p *Pod, now time.Time) {
	old := c.byUID[p.UID]
	p.Services = c.servicesFor(p)
	if p.workload == nil {
		p.workload = &workloadMemo{}
	}
	e := &entry{pod: p}
	c.byUID[p.UID] = e
	c.byName[nsName{p.Namespace, p.Name}] = e
	if old != nil {
		c.dropBackend(old.pod)
		for _, ct := range old.pod.Containers {
			if c.byContainer[ct.ID] == old {
				delete(c.byContainer, ct.ID)
			}
		}
	}
	for _, ct := range p.Containers {
		c.byContainer[ct.ID] = e
	}
	c.addBackend(e)
	var oldIPs []netip.Addr
	if old != nil {
		oldIPs = old.pod.IPs
	}
	c.updateLeases(p, oldIPs, now)
}

// DeletePod marks a pod deleted at now; it is kept for the retention
// window, then dropped by Sweep.
func (c *Cache) DeletePod(uid string, now time.Time) {
	c.mu.Lock()
	c.deleteLocked(uid, now)
	c.mu.Unlock()
	c.notify()
}

func (c *Cache) deleteLocked(uid string, now time.Time) {
	e := c.byUID[uid]
	if e == nil || !e.deleted.IsZero() {
		return
	}
	c.dropBackend(e.pod)
	d := &entry{pod: e.pod, deleted: now}
	c.byUID[uid] = d
	if k := (nsName{e.pod.Namespace, e.pod.Name}); c.byName[k] == e {
		c.byName[k] = d
	}
	for _, ct := range e.pod.Containers {
		if c.byContainer[ct.ID] == e {
			c.byContainer[ct.ID] = d
		}
	}
	c.endLeases(e.pod, now)
}

// ReplacePods makes pods the full set of live pods, as a re-list says:
// pods missing from it are marked deleted at now.
func (c *Cache) ReplacePods(pods []*Pod, now time.Time) {
	c.mu.Lock()
	live := make(map[string]bool, len(pods))
	for _, p := range pods {
		live[p.UID] = true
		c.upsertLocked(p, now)
	}
	for uid, e := range c.byUID {
		if !live[uid] && e.deleted.IsZero() {
			c.deleteLocked(uid, now)
		}
	}
	c.synced[ResourcePods] = true
	c.mu.Unlock()
	c.notify()
}

// Sweep forgets pods deleted, and leases ended, more than the retention
// window before now.
func (c *Cache) Sweep(now time.Time) {
	cutoff := now.Add(-c.retention)
	c.mu.Lock()
	defer c.mu.Unlock()
	for uid, e := range c.byUID {
		if e.deleted.IsZero() || e.deleted.After(cutoff) {
			continue
		}
		delete(c.byUID, uid)
		if k := (nsName{e.pod.Namespace, e.pod.Name}); c.byName[k] == e {
			delete(c.byName, k)
		}
		for _, ct := range e.pod.Containers {
			if c.byContainer[ct.ID] == e {
				delete(c.byContainer, ct.ID)
			}
		}
	}
	c.sweepLeases(cutoff)
	// Interned label values of pods long gone would otherwise pile up;
	// starting afresh only costs sharing with objects already stored.
	if len(c.intern.m) > 4*len(c.byUID)+1024 {
		c.intern.m = nil
	}
}
