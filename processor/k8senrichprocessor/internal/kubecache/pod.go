package kubecache

import (
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Pod is the compact form of a pod. The cache never changes a Pod after
// publishing it: an update replaces the pointer, so readers may keep one
// without a lock.
type Pod struct {
	UID       string
	Name      string
	Namespace string
	Node      string
	// Owner is the controller reference as the pod names it (ReplicaSet,
	// Job, StatefulSet, DaemonSet …); Workload resolves it further.
	OwnerKind string
	OwnerName string
	OwnerUID  string
	// Labels are key, value pairs, kept only to match Service selectors.
	Labels []string
	IPs    []netip.Addr
	// Containers are known for this node's pods only: container ids appear
	// in events only for the node the collector runs on.
	Containers  []Container
	HostNetwork bool
	Created     time.Time
	// Services are the names of the Services in the pod's namespace whose
	// selector matches it, recomputed whenever pods or Services change.
	Services []string

	// workload remembers Cache.Workload's answer; set when the cache takes
	// the pod and shared by the copies it makes, which have the same owner.
	workload *workloadMemo
}

// workloadMemo is the workload found for a pod and the owners' generation
// it was found in: a peer's workload is wanted per connection event, and
// the owner maps cost a lock and two string hashes.
type workloadMemo struct{ p atomic.Pointer[foundWorkload] }

type foundWorkload struct {
	gen uint64
	o   Owner
}

// Container maps a runtime's container id to the pod's container name.
type Container struct {
	ID   string
	Name string
}

// ContainerName returns the name of the container with the given runtime
// id, or "".
func (p *Pod) ContainerName(id string) string {
	for _, c := range p.Containers {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// podFrom reduces an API pod. Strings that repeat across pods (namespace,
// node, kinds, label keys and most values) go through the interner so
// thousands of pods share one copy.
func podFrom(in *corev1.Pod, node string, it *interner) *Pod {
	p := &Pod{
		UID:         string(in.UID),
		Name:        in.Name,
		Namespace:   it.get(in.Namespace),
		Node:        it.get(in.Spec.NodeName),
		HostNetwork: in.Spec.HostNetwork,
		Created:     in.CreationTimestamp.Time,
	}
	for _, ref := range in.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			p.OwnerKind, p.OwnerName, p.OwnerUID = it.get(ref.Kind), it.get(ref.Name), string(ref.UID)
			break
		}
	}
	if len(in.Labels) > 0 {
		p.Labels = make([]string, 0, 2*len(in.Labels))
		for k, v := range in.Labels {
			p.Labels = append(p.Labels, it.get(k), it.get(v))
		}
	}
	ips := in.Status.PodIPs
	if len(ips) == 0 && in.Status.PodIP != "" {
		ips = []corev1.PodIP{{IP: in.Status.PodIP}}
	}
	for _, ip := range ips {
		if a, err := netip.ParseAddr(ip.IP); err == nil {
			p.IPs = append(p.IPs, a.Unmap())
		}
	}
	if node != "" && in.Spec.NodeName == node {
		for _, list := range [][]corev1.ContainerStatus{in.Status.InitContainerStatuses, in.Status.ContainerStatuses, in.Status.EphemeralContainerStatuses} {
			for _, cs := range list {
				if id := runtimeID(cs.ContainerID); id != "" {
					p.Containers = append(p.Containers, Container{ID: id, Name: it.get(cs.Name)})
				}
			}
		}
	}
	return p
}

// runtimeID strips the runtime scheme from a status container id
// ("containerd://3f4c…" -> "3f4c…"), leaving the id cgroup paths carry.
func runtimeID(s string) string {
	if _, id, ok := strings.Cut(s, "://"); ok {
		return id
	}
	return s
}

// label returns a label's value.
func (p *Pod) label(key string) (string, bool) {
	for i := 0; i+1 < len(p.Labels); i += 2 {
		if p.Labels[i] == key {
			return p.Labels[i+1], true
		}
	}
	return "", false
}

// interner shares repeated strings. It is used under the cache's write
// lock only.
type interner struct{ m map[string]string }

func (it *interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := it.m[s]; ok {
		return v
	}
	if it.m == nil {
		it.m = make(map[string]string)
	}
	// A copy, so the interned string does not pin the decoded object.
	s = strings.Clone(s)
	it.m[s] = s
	return s
}
