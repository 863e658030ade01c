package loadgen

import (
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
	dir, v1, err := newCgroup("cpu", "/sys/fs/cgroup/cpu", "cpu.shares")
	if err != nil {
		return nil, err
	}
	shares := CPUShares(requestMilli)
	quota := "-1"
	if limitMilli > 0 {
		quota = strconv.FormatInt(limitMilli*cfsPeriod/1000, 10)
	}
	files := []cgroupFile{
		{name: "cpu.shares", value: strconv.FormatUint(shares, 10)},
		{name: "cpu.cfs_period_us", value: strconv.Itoa(cfsPeriod)},
		{name: "cpu.cfs_quota_us", value: quota},
	}
	if !v1 {
		if quota == "-1" {
			quota = "max"
		}
		files = []cgroupFile{
			{name: "cpu.weight", value: strconv.FormatUint(CPUWeight(shares), 10)},
			{name: "cpu.max", value: quota + " " + strconv.Itoa(cfsPeriod)},
		}
	}
	if err := writeCgroup(dir, files); err != nil {
		return nil, err
	}
	return &CPUCgroup{Dir: dir, v1: v1}, nil
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
// exiting.
func (cg *CPUCgroup) Remove() error {
	return RemoveCgroup(cg.Dir, 5*time.Second)
}
