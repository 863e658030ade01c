package cgroupid

import (
	"strings"
)

// Runtimes, as container.runtime.name writes them.
const (
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "cri-o"
	RuntimeDocker     = "docker"
)

// Ref is what a cgroup path says about the container it holds. Either
// field may be empty: a pod's own slice names no container, and plain
// Docker has no pods.
type Ref struct {
	PodUID      string
	ContainerID string
	// Runtime is known only when the path carries the runtime's prefix
	// (the systemd driver always does; cgroupfs under containerd does not).
	Runtime string
}

// Parse reads path, an absolute cgroup path as /proc/<pid>/cgroup or a
// walk of the hierarchy shows it. It reports false for cgroups outside
// any pod or container (system services, user sessions, the root).
//
// The pod is the first segment named pod<uid> (cgroupfs) or
// kubepods[-<qos>]-pod<uid>.slice (systemd, with the uid's dashes turned
// into underscores); the container is the first segment after it, or
// anywhere for plain Docker, that names a container id. Anything deeper,
// such as the sub-cgroups a container may create for itself, is ignored.
// Prefixes before kubepods (kind's kubelet.slice, a nested runtime) are
// skipped the same way.
func Parse(path string) (Ref, bool) {
	var r Ref
	prev := ""
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		if r.PodUID == "" {
			if uid, ok := podSegment(seg); ok {
				r.PodUID = uid
				prev = seg
				continue
			}
		}
		if id, runtime, ok := containerSegment(seg, r.PodUID != "" || prev == "docker"); ok {
			r.ContainerID, r.Runtime = id, runtime
			if runtime == "" && prev == "docker" {
				r.Runtime = RuntimeDocker
			}
			break
		}
		prev = seg
	}
	return r, r.PodUID != "" || r.ContainerID != ""
}

// podSegment recognises pod<uid> and kubepods[-qos]-pod<uid>.slice.
func podSegment(seg string) (string, bool) {
	if s, ok := strings.CutSuffix(seg, ".slice"); ok {
		i := strings.LastIndex(s, "-pod")
		if i < 0 || !strings.Contains(s, "kubepods") {
			return "", false
		}
		uid := strings.ReplaceAll(s[i+len("-pod"):], "_", "-")
		return uid, isUID(uid)
	}
	uid, ok := strings.CutPrefix(seg, "pod")
	return uid, ok && isUID(uid)
}

// runtimePrefixes are the scope and directory names runtimes give a
// container: cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope
// under systemd, crio-<id> under cgroupfs. CRI-O's crio-conmon-<id> is the
// monitor process, not the container, and is deliberately absent: it then
// counts as the pod's own cgroup.
var runtimePrefixes = []struct{ prefix, runtime string }{
	{"cri-containerd-", RuntimeContainerd},
	{"crio-", RuntimeCRIO},
	{"docker-", RuntimeDocker},
}

// containerSegment recognises a container id segment. A bare 64-hex name
// counts only where cgroupfs puts one (under a pod, or under docker);
// elsewhere hex names could be anything.
func containerSegment(seg string, bare bool) (id, runtime string, ok bool) {
	name := strings.TrimSuffix(seg, ".scope")
	for _, p := range runtimePrefixes {
		if rest, found := strings.CutPrefix(name, p.prefix); found && isContainerID(rest) {
			return rest, p.runtime, true
		}
	}
	if bare && isContainerID(seg) {
		return seg, "", true
	}
	return "", "", false
}

// isContainerID accepts the 64 lower-case hex digits every runtime uses.
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isUID accepts the 36-character dashed form the API server assigns.
func isUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}
