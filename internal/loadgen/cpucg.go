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
	"time"
)

// cfsPeriod is the CFS bandwidth period the kubelet uses, in µs.
const cfsPeriod = 100_000

// CPUShares is the kubelet's conversion of a CPU request in millicores to
// cgroup v1 cpu.shares: 1024 a core, at least 2 (the kernel's minimum).
func CPUShares(milli int64) uint64 {
	return max(uint64(max(milli, 0))*1024/1000, 2)
}

// CPUWeight is the kubelet's conversion of cpu.shares to cgroup v2
// cpu.weight (1–10000): a core's 1024 shares are weight 39.
func CPUWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + (shares-2)*9999/262142
}

// CPUCgroup is a CPU cgroup set up the way the kubelet sets up a pod's:
// its weight from the pod's CPU request, its bandwidth from its limit. It
// is how a benchmark puts the collector and the load on one node's terms,
// a DaemonSet pod beside workload pods, instead of every thread competing
// alone.
type CPUCgroup struct {
	Dir string
	v1  bool
}

// NewCPUCgroup creates a CPU cgroup for a pod requesting requestMilli
// millicores and limited to limitMilli (0: no limit). The v1 controller
// is used where it is mounted on its own, as on hybrid hosts like this
// one, else v2's.
func NewCPUCgroup(requestMilli, limitMilli int64) (*CPUCgroup, error) {
	const v1Root = "/sys/fs/cgroup/cpu"
	cg := &CPUCgroup{v1: true}
	root := v1Root
	if _, err := os.Stat(filepath.Join(v1Root, "cpu.shares")); err != nil {
		cg.v1, root = false, "/sys/fs/cgroup"
		controllers, err := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if err != nil || !strings.Contains(string(controllers), "cpu") {
			return nil, errors.New("cpu cgroup: no cpu controller, neither v1 at /sys/fs/cgroup/cpu nor v2 at /sys/fs/cgroup")
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	cg.Dir = filepath.Join(root, "tapio-load-cpu-"+hex.EncodeToString(suffix))
	if err := os.Mkdir(cg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cpu cgroup: %w", err)
	}
	shares := CPUShares(requestMilli)
	files := [][2]string{{"cpu.weight", strconv.FormatUint(CPUWeight(shares), 10)}, {"cpu.max", "max " + strconv.Itoa(cfsPeriod)}}
	if cg.v1 {
		files = [][2]string{{"cpu.shares", strconv.FormatUint(shares, 10)}, {"cpu.cfs_period_us", strconv.Itoa(cfsPeriod)}, {"cpu.cfs_quota_us", "-1"}}
	}
	if limitMilli > 0 {
		quota := strconv.FormatInt(limitMilli*cfsPeriod/1000, 10)
		if cg.v1 {
			files[2][1] = quota
		} else {
			files[1][1] = quota + " " + strconv.Itoa(cfsPeriod)
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(cg.Dir, f[0]), []byte(f[1]), 0); err != nil {
			_ = os.Remove(cg.Dir)
			return nil, fmt.Errorf("cpu cgroup: %s: %w", f[0], err)
		}
	}
	return cg, nil
}

// Join moves every thread of process pid into the cgroup; its children
// from then on start there.
func (cg *CPUCgroup) Join(pid int) error {
	if err := os.WriteFile(filepath.Join(cg.Dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cpu cgroup: join %d: %w", pid, err)
	}
	return nil
}

// Leave moves process pid back to the hierarchy's root.
func (cg *CPUCgroup) Leave(pid int) error {
	if err := os.WriteFile(filepath.Join(filepath.Dir(cg.Dir), "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cpu cgroup: leave %d: %w", pid, err)
	}
	return nil
}

// ThrottledTime is how long the limit held the cgroup's threads back.
func (cg *CPUCgroup) ThrottledTime() (time.Duration, error) {
	stat, err := os.ReadFile(filepath.Join(cg.Dir, "cpu.stat"))
	if err != nil {
		return 0, fmt.Errorf("cpu cgroup: %w", err)
	}
	key, unit := "throttled_usec", time.Microsecond
	if cg.v1 {
		key, unit = "throttled_time", time.Nanosecond
	}
	for line := range strings.Lines(string(stat)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+" "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("cpu cgroup: %s: %w", key, err)
			}
			return time.Duration(n) * unit, nil
		}
	}
	return 0, fmt.Errorf("cpu cgroup: no %s in cpu.stat", key)
}

// Remove deletes the cgroup, waiting up to 5 s for members that are
// exiting: the kernel refuses to remove a cgroup that still has any.
func (cg *CPUCgroup) Remove() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.Remove(cg.Dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cpu cgroup: remove: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
