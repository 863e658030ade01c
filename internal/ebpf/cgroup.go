package ebpf

import "golang.org/x/sys/unix"

// resolveCgroupPath returns path when set, else the first default mount
// that is cgroup v2, else "" (the DNS hooks then report why they failed).
func resolveCgroupPath(path string) string {
	if path != "" {
		return path
	}
	for _, p := range defaultCgroupPaths {
		if isCgroup2(p) {
			return p
		}
	}
	return ""
}

func isCgroup2(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
