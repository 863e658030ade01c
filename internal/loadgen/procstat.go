package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports; reading it through
// sysconf would need cgo, which the distribution is built without.
const clockTicks = 100

// Usage is one reading of a process's cost.
type Usage struct {
	// CPU is utime+stime: the process's threads' time on a CPU.
	CPU time.Duration
	// RSS is VmRSS, the resident set now; PeakRSS is VmHWM, the most it
	// has ever been since the process started.
	RSS, PeakRSS uint64
	// RSSAnon is the anonymous part of RSS (heap, stacks, runtime);
	// RSSFile the file-backed part, mostly the binary's own pages, which
	// the kernel can drop and re-read and processes of one binary share.
	RSSAnon, RSSFile uint64
	// MajorFaults counts the page faults that had to read from disk: the
	// binary's or a file's pages the kernel had reclaimed (memory pressure
	// on the node, or a collector that pages itself out) read back.
	MajorFaults uint64
}

// ReadUsage reads /proc/<pid>/stat and /proc/<pid>/status.
func ReadUsage(pid int) (Usage, error) {
	var u Usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("read usage: %w", err)
	}
	// The command name (field 2) may hold spaces and parentheses, so the
	// fields are counted from the last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return u, fmt.Errorf("read usage: /proc/%d/stat has no command name", pid)
	}
	fields := strings.Fields(string(stat[end+1:]))
	// After the name: state is field 3, majflt 12, utime 14 and stime 15.
	if len(fields) < 13 {
		return u, fmt.Errorf("read usage: /proc/%d/stat has %d fields", pid, len(fields)+2)
	}
	if u.MajorFaults, err = strconv.ParseUint(fields[9], 10, 64); err != nil {
		return u, fmt.Errorf("read usage: major faults %q: %w", fields[9], err)
	}
	var ticks uint64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return u, fmt.Errorf("read usage: cpu ticks %q: %w", f, err)
		}
		ticks += n
	}
	u.CPU = time.Duration(ticks) * time.Second / clockTicks

	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("read usage: %w", err)
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		dst := map[string]*uint64{"VmRSS": &u.RSS, "VmHWM": &u.PeakRSS, "RssAnon": &u.RSSAnon, "RssFile": &u.RSSFile}[key]
		if !ok || dst == nil {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return u, fmt.Errorf("read usage: %s %q: %w", key, val, err)
		}
		*dst = kb << 10
	}
	if err := sc.Err(); err != nil {
		return u, fmt.Errorf("read usage: %w", err)
	}
	return u, nil
}

// CPUPercent is the share of one core used between two readings taken
// wall apart.
func CPUPercent(before, after Usage, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(after.CPU-before.CPU) / float64(wall)
}
