package kubecache

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Owner is a controller reference: the kind and name of what manages an
// object.
type Owner struct {
	Kind string
	Name string
}

// ownerFrom returns an object's controller; one without yields the zero
// Owner.
func ownerFrom(m *metav1.ObjectMeta, it *interner) Owner {
	for _, ref := range m.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return Owner{Kind: it.get(ref.Kind), Name: it.get(ref.Name)}
		}
	}
	return Owner{}
}

// UpsertOwner records the controller of the object of kind (ReplicaSet or
// Job) with this uid.
func (c *Cache) UpsertOwner(kind, uid string, o Owner) {
	c.mu.Lock()
	m := c.owners[kind]
	if m == nil {
		m = map[string]Owner{}
		c.owners[kind] = m
	}
	// A re-sent owner (every status change of a ReplicaSet is an update)
	// leaves the remembered workloads valid.
	if old, ok := m[uid]; !ok || old != o {
		c.ownersGen.Add(1)
	}
	m[uid] = o
	c.mu.Unlock()
	c.notify()
}

// DeleteOwner forgets an object's controller.
func (c *Cache) DeleteOwner(kind, uid string) {
	c.mu.Lock()
	delete(c.owners[kind], uid)
	c.ownersGen.Add(1)
	c.mu.Unlock()
}

// ReplaceOwners makes owners the full set for kind, as a re-list says.
func (c *Cache) ReplaceOwners(kind string, owners map[string]Owner) {
	c.mu.Lock()
	c.owners[kind] = owners
	c.ownersGen.Add(1)
	c.synced[kind] = true
	c.mu.Unlock()
	c.notify()
}

// Workload returns the top-level owner of a pod: a ReplicaSet's
// Deployment, a Job's CronJob, or the pod's own controller (StatefulSet,
// DaemonSet, a bare ReplicaSet or Job, any custom kind). A pod without a
// controller has no workload.
func (c *Cache) Workload(p *Pod) Owner {
	w := Owner{Kind: p.OwnerKind, Name: p.OwnerName}
	if p.OwnerKind != KindReplicaSet && p.OwnerKind != KindJob {
		return w
	}
	// The generation is read before the maps: an owner changed meanwhile
	// bumps it, so what is stored below is found stale next time.
	gen := c.ownersGen.Load()
	if p.workload != nil {
		if f := p.workload.p.Load(); f != nil && f.gen == gen {
			return f.o
		}
	}
	c.mu.RLock()
	o, ok := c.owners[p.OwnerKind][p.OwnerUID]
	c.mu.RUnlock()
	if ok && o.Kind != "" {
		w = o
	}
	if p.workload != nil {
		p.workload.p.Store(&foundWorkload{gen: gen, o: w})
	}
	return w
}
