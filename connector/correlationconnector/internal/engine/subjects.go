package engine

import "github.com/yairfalse/tapio/internal/unifiedevent"

// subjects remembers which workload each pod belongs to, learned from events
// that carry both, so an event that names only the pod (a Kubernetes Event
// about it, a CNI line) groups with its workload's other events.
type subjects struct {
	max  int
	pods map[podRef]workload
}

type podRef struct{ namespace, name string }

type workload struct{ kind, name string }

func (s *subjects) fill(k *unifiedevent.K8s) {
	if k == nil || k.PodName == "" || k.Namespace == "" {
		return
	}
	pod := podRef{k.Namespace, k.PodName}
	if k.WorkloadName != "" {
		if w, ok := s.pods[pod]; ok && w.kind == k.WorkloadKind && w.name == k.WorkloadName {
			return
		}
		// Dropping everything at the cap is crude but bounded and cheap;
		// the map refills from the next events of each pod.
		if s.pods == nil || len(s.pods) >= s.max {
			s.pods = make(map[podRef]workload, min(s.max, 1024))
		}
		s.pods[pod] = workload{kind: k.WorkloadKind, name: k.WorkloadName}
		return
	}
	if w, ok := s.pods[pod]; ok {
		k.WorkloadKind, k.WorkloadName = w.kind, w.name
	}
}
