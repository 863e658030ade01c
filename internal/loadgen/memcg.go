package loadgen

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MemoryCgroup creates a memory cgroup limited to limit bytes (memory and
// swap), where a process that joins it meets the OOM killer. Memory limits
// come from the v1 controller on hybrid hosts like this one and from v2
// elsewhere, so both are supported. The returned dir's remove function
// must run after every member has exited.
func MemoryCgroup(limit int64) (string, error) {
	const v1Root = "/sys/fs/cgroup/memory"
	v1 := true
	root := v1Root
	if _, err := os.Stat(filepath.Join(v1Root, "memory.limit_in_bytes")); err != nil {
		v1, root = false, "/sys/fs/cgroup"
		controllers, err := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if err != nil || !strings.Contains(string(controllers), "memory") {
			return "", errors.New("memory cgroup: no memory controller, neither v1 at /sys/fs/cgroup/memory nor v2 at /sys/fs/cgroup")
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	dir := filepath.Join(root, "tapio-load-"+hex.EncodeToString(suffix))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("memory cgroup: %w", err)
	}
	n := strconv.FormatInt(limit, 10)
	files := [][2]string{{"memory.max", n}, {"memory.swap.max", "0"}}
	if v1 {
		files = [][2]string{{"memory.limit_in_bytes", n}, {"memory.memsw.limit_in_bytes", n}, {"memory.swappiness", "0"}}
	}
	for i, f := range files {
		path := filepath.Join(dir, f[0])
		if i > 0 {
			// Swap accounting is optional in the kernel.
			if _, err := os.Stat(path); err != nil {
				continue
			}
		}
		if err := os.WriteFile(path, []byte(f[1]), 0); err != nil {
			_ = os.Remove(dir)
			return "", fmt.Errorf("memory cgroup: %s: %w", f[0], err)
		}
	}
	return dir, nil
}
