package k8senrichprocessor

import (
	"net/netip"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/cgroups"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// Why a record's pod was not found, as the metric's reason.
const (
	reasonUnknownPod    = "unknown_pod"
	reasonUnknownCgroup = "unknown_cgroup"
	reasonHoldBackFull  = "hold_back_full"
	reasonShutdown      = "shutdown"
)

// keys is what one pass over a record's attributes and body finds: the
// handful of values that can name a pod.
type keys struct {
	// ts is the event's time (else when it was observed), converted only
	// for the lookups by address that need it.
	ts           pcommon.Timestamp
	podUID       string
	containerID  string
	podName      string
	namespace    string
	pid          int64
	cgroupID     int64
	mntNS        int64
	localAddress string
	peerAddress  string
}

func (k *keys) at() time.Time { return k.ts.AsTime() }

func readKeys(lr plog.LogRecord) keys {
	var k keys
	if k.ts = lr.Timestamp(); k.ts == 0 {
		k.ts = lr.ObservedTimestamp()
	}
	// One pass rather than a Get per key (Get scans the attributes every
	// time), switching on the key's length first: most of a record's keys
	// are none of these, and a length costs no look at the bytes.
	for key, v := range lr.Attributes().All() {
		switch len(key) {
		case len(attrPodUID): // and attrPID
			switch key {
			case attrPodUID:
				k.podUID = v.Str()
			case attrPID:
				k.pid = v.Int()
			}
		case len(attrContainerID): // and attrPodName
			switch key {
			case attrContainerID:
				k.containerID = v.Str()
			case attrPodName:
				k.podName = v.Str()
			}
		case len(attrNamespace):
			if key == attrNamespace {
				k.namespace = v.Str()
			}
		case len(attrLocalAddress):
			if key == attrLocalAddress {
				k.localAddress = v.Str()
			}
		case len(attrPeerAddress):
			if key == attrPeerAddress {
				k.peerAddress = v.Str()
			}
		}
	}
	if body := lr.Body(); body.Type() == pcommon.ValueTypeMap {
		if kernel, ok := body.Map().Get("kernel"); ok && kernel.Type() == pcommon.ValueTypeMap {
			for key, v := range kernel.Map().All() {
				switch key {
				case "cgroup_id":
					k.cgroupID = v.Int()
				case "mnt_ns":
					k.mntNS = v.Int()
				}
			}
		}
	}
	return k
}

// The length switch in readKeys relies on these pairs sharing a length and
// the rest differing; a renamed convention fails to compile here.
var (
	_ = [1]struct{}{}[len(attrPodUID)-len(attrPID)]
	_ = [1]struct{}{}[len(attrContainerID)-len(attrPodName)]
)

// Attribute keys read and written, as internal/unifiedevent writes them.
const (
	attrPodUID        = string(semconv.K8SPodUIDKey)
	attrPodName       = string(semconv.K8SPodNameKey)
	attrNamespace     = string(semconv.K8SNamespaceNameKey)
	attrNodeName      = string(semconv.K8SNodeNameKey)
	attrContainerName = string(semconv.K8SContainerNameKey)
	attrContainerID   = string(semconv.ContainerIDKey)
	attrRuntime       = string(semconv.ContainerRuntimeNameKey)
	attrPID           = string(semconv.ProcessPIDKey)
	attrLocalAddress  = string(semconv.NetworkLocalAddressKey)
	attrPeerAddress   = string(semconv.NetworkPeerAddressKey)
)

// subject is what the resolver found about the process or pod an event
// is about.
type subject struct {
	pod         *kubecache.Pod
	containerID string
	runtime     string
	// wanted is set when the record named a pod (a pod uid, a container
	// id, a cgroup inside a pod, a pod name) that the cache does not hold
	// (yet); reason says which.
	wanted bool
	reason string
	// local is set when the want comes from this node's kernel (a cgroup),
	// so the pod must be one of this node's.
	local bool
}

type resolver struct {
	cache *kubecache.Cache
	ids   *cgroups.IDs
	pids  *cgroups.PIDs
}

// subject resolves the pod an event is about, trying the most precise
// key first.
func (r *resolver) subject(k *keys, now time.Time) subject {
	var s subject
	if k.podUID != "" {
		if s.pod = r.cache.PodByUID(k.podUID); s.pod != nil {
			return s
		}
		s.wanted, s.reason = true, reasonUnknownPod
	}
	if k.containerID != "" {
		s.containerID = k.containerID
		if s.pod = r.cache.PodByContainer(k.containerID); s.pod != nil {
			return s
		}
	}
	if e, ok := r.cgroup(k, now); ok {
		if e.InPod {
			if s.containerID == "" {
				s.containerID, s.runtime = e.Ref.ContainerID, e.Ref.Runtime
			}
			if e.Ref.ContainerID != "" {
				if s.pod = r.cache.PodByContainer(e.Ref.ContainerID); s.pod != nil {
					return s
				}
			}
			// The uid in the path finds the pod before its status lists
			// the container, and for the sandbox, which it never lists.
			if e.Ref.PodUID != "" {
				if s.pod = r.cache.PodByUID(e.Ref.PodUID); s.pod != nil {
					return s
				}
			}
			if e.Ref.PodUID != "" {
				s.wanted, s.reason, s.local = true, reasonUnknownPod, true
			}
		}
	} else if k.cgroupID > 1 && !s.wanted {
		s.wanted, s.reason, s.local = true, reasonUnknownCgroup, true
	}
	if k.podName != "" && k.namespace != "" {
		if s.pod = r.cache.PodByName(k.namespace, k.podName); s.pod != nil {
			s.wanted, s.reason = false, ""
			return s
		}
		s.wanted, s.reason = true, reasonUnknownPod
	}
	if !s.wanted && k.localAddress != "" {
		if ip, err := netip.ParseAddr(k.localAddress); err == nil {
			s.pod = r.cache.PodByIP(ip.Unmap(), k.at())
		}
	}
	if s.pod != nil {
		s.wanted, s.reason = false, ""
	}
	return s
}

// cgroup finds the event's cgroup: by its v2 id from memory, then, for an
// event whose id says nothing (none, or the root's: on a hybrid host every
// process outside systemd's units has it), by its mount namespace when
// that is the host's, then by the pid through /proc, then by a fresh walk
// of the hierarchy (rate-limited). An unknown id never takes the mount
// namespace's word: a new cgroup may be a new pod's, whose first process
// runc moves into it before it leaves the host's namespace.
func (r *resolver) cgroup(k *keys, now time.Time) (cgroups.Entry, bool) {
	if k.cgroupID > 1 {
		if e, ok := r.ids.Lookup(uint64(k.cgroupID)); ok {
			return e, true
		}
	}
	seen := cgroups.Seen{CgroupID: k.cgroupID, MntNS: k.mntNS}
	if k.cgroupID <= 1 && r.pids.OutsidePods(k.pid, seen, now) {
		return cgroups.Entry{}, true
	}
	if k.pid > 0 {
		if e, ok := r.pids.Resolve(k.pid, seen, now); ok && e.InPod {
			if k.cgroupID > 1 {
				r.ids.Add(uint64(k.cgroupID), e.Path)
			}
			return e, true
		}
	}
	if k.cgroupID > 1 {
		return r.ids.Resolve(uint64(k.cgroupID))
	}
	return cgroups.Entry{}, false
}

// peer resolves the far side of a connection: the pod that held the
// address at the event's time, or the Service owning a ClusterIP and,
// when only one pod backs it, that pod.
func (r *resolver) peer(k *keys) (*kubecache.Pod, *kubecache.Service) {
	if k.peerAddress == "" {
		return nil, nil
	}
	ip, err := netip.ParseAddr(k.peerAddress)
	if err != nil {
		return nil, nil
	}
	ip = ip.Unmap()
	if p := r.cache.PodByIP(ip, k.at()); p != nil {
		return p, nil
	}
	svc, backend := r.cache.ServiceByIP(ip)
	return backend, svc
}
