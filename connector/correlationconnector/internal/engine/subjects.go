package engine

import "github.com/yairfalse/tapio/internal/unifiedevent"

// subjects remembers which workload each pod belongs to, learned from events
// that carry both, so an event that names only the pod (a Kubernetes Event
// about it, a CNI line) groups with its workload's other events.
type subjects struct {
	max int
	// pods is keyed by the sum of namespace and pod name, and each entry
	// keeps the sum of its workload too: the check that an event repeats
	// what is known, which is nearly every event, compares sums only and
	// never reads the stored strings (see sum128).
	pods sumMap[workload]
}

type workload struct {
	kind, name string
	sum        sum128
}

// Tags keep a pod's sum and a workload's apart from each other.
const (
	podTag = iota + 1<<32
	workloadTag
)

func (s *subjects) fill(sums summer, k *unifiedevent.K8s) {
	if k == nil || k.PodName == "" || k.Namespace == "" {
		return
	}
	pod := sums.sum(podTag, k.Namespace, k.PodName)
	if k.WorkloadName != "" {
		ws := sums.sum(workloadTag, k.WorkloadKind, k.WorkloadName)
		if w, ok := s.pods.get(pod); ok && w.sum == ws {
			return
		}
		// Dropping everything at the cap is crude but bounded and cheap;
		// the map refills from the next events of each pod.
		if s.pods.m == nil || s.pods.len() >= s.max {
			s.pods = newSumMap[workload](min(s.max, 1024))
		}
		s.pods.set(pod, workload{kind: k.WorkloadKind, name: k.WorkloadName, sum: ws})
		return
	}
	if w, ok := s.pods.get(pod); ok {
		k.WorkloadKind, k.WorkloadName = w.kind, w.name
	}
}
