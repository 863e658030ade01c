package loadgen

import "strconv"

// MemoryCgroup creates a memory cgroup limited to limit bytes (memory and
// swap), where a process that joins it meets the OOM killer. Memory limits
// come from the v1 controller on hybrid hosts like this one and from v2
// elsewhere, so both are supported. The returned dir's remove function
// must run after every member has exited.
func MemoryCgroup(limit int64) (string, error) {
	dir, v1, err := newCgroup("memory", "/sys/fs/cgroup/memory", "memory.limit_in_bytes")
	if err != nil {
		return "", err
	}
	n := strconv.FormatInt(limit, 10)
	// Swap accounting is optional in the kernel.
	files := []cgroupFile{{name: "memory.max", value: n}, {name: "memory.swap.max", value: "0", optional: true}}
	if v1 {
		files = []cgroupFile{
			{name: "memory.limit_in_bytes", value: n},
			{name: "memory.memsw.limit_in_bytes", value: n, optional: true},
			{name: "memory.swappiness", value: "0", optional: true},
		}
	}
	if err := writeCgroup(dir, files); err != nil {
		return "", err
	}
	return dir, nil
}
