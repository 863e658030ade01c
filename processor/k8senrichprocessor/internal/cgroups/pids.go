package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/yairfalse/tapio/internal/cgroupid"
)

// PIDs reads a process's cgroup from the host's /proc and caches it for
// ttl: a process rarely changes cgroup, but pids are reused, so entries
// must not live long.
type PIDs struct {
	proc       string
	ttl        time.Duration
	maxEntries int

	mu      sync.Mutex
	entries map[int64]pidEntry
}

type pidEntry struct {
	Entry
	at time.Time
}

// NewPIDs reads <proc>/<pid>/cgroup; proc is the host's /proc as mounted
// in the collector's container (often /host/proc).
func NewPIDs(proc string, ttl time.Duration) *PIDs {
	return &PIDs{proc: proc, ttl: ttl, maxEntries: 1 << 14, entries: map[int64]pidEntry{}}
}

// Resolve returns the pid's cgroup; false when the process is gone or
// its /proc is unreadable.
func (p *PIDs) Resolve(pid int64, now time.Time) (Entry, bool) {
	if pid <= 0 {
		return Entry{}, false
	}
	p.mu.Lock()
	e, ok := p.entries[pid]
	p.mu.Unlock()
	if ok && now.Sub(e.at) < p.ttl {
		return e.Entry, true
	}
	data, err := os.ReadFile(filepath.Join(p.proc, strconv.FormatInt(pid, 10), "cgroup"))
	if err != nil {
		return Entry{}, false
	}
	var out Entry
	if path, ok := cgroupid.ProcPath(data); ok {
		out.Path = path
		out.Ref, out.InPod = cgroupid.Parse(path)
	}
	p.mu.Lock()
	if len(p.entries) >= p.maxEntries {
		clear(p.entries)
	}
	p.entries[pid] = pidEntry{Entry: out, at: now}
	p.mu.Unlock()
	return out, true
}
