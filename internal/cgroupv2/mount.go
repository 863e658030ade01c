// Package cgroupv2 finds where a host mounts the cgroup v2 hierarchy.
package cgroupv2

import "golang.org/x/sys/unix"

// DefaultMounts are where hosts mount cgroup v2, in the order to try:
// hybrid hosts (v1 controllers, v2 beside them) under unified, pure v2
// hosts at the top.
var DefaultMounts = []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}

// Find returns the first of DefaultMounts that is a cgroup v2 mount, or ""
// when none is.
func Find() string {
	for _, p := range DefaultMounts {
		if IsMount(p) {
			return p
		}
	}
	return ""
}

// IsMount reports whether path is the root of, or inside, a cgroup v2
// filesystem.
func IsMount(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
