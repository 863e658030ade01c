package ebpf

import "github.com/yairfalse/tapio/internal/cgroupv2"

// resolveCgroupPath returns path when set, else the first default mount
// that is cgroup v2, else "" (the DNS hooks then report why they failed).
func resolveCgroupPath(path string) string {
	if path != "" {
		return path
	}
	return cgroupv2.Find()
}
