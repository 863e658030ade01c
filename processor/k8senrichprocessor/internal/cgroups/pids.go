package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yairfalse/tapio/internal/cgroupid"
)

// PIDs reads a process's cgroup from the host's /proc and caches it for
// ttl: a process rarely changes cgroup, but pids are reused, so entries
// must not live long, and an event that shows the process in another
// cgroup or mount namespace than the cached read saw reads it again.
type PIDs struct {
	proc       string
	ttl        time.Duration
	maxEntries int
	// read is os.ReadFile; reads counts its calls (one open, read and
	// close each), which a steady stream of host events must not cost.
	read  func(string) ([]byte, error)
	reads atomic.Int64

	// trusted are the mount namespaces that outlive the collector (the
	// host's pid 1's and the collector's own), so their inode numbers are
	// never handed to a new container. Only they may be judged "outside
	// any pod" as a whole: namespace numbers are reused lowest-first, so a
	// verdict on a short-lived namespace could fall on a new pod's.
	trusted []int64

	mu      sync.Mutex
	entries map[int64]pidEntry
	// hostMounts holds, per trusted mount namespace, when a read last
	// found one of its processes outside any pod.
	hostMounts map[int64]time.Time
}

// Seen is what an event says of its process besides the pid: the kernel's
// cgroup v2 id and mount namespace, 0 when it carries none.
type Seen struct{ CgroupID, MntNS int64 }

// matches reports whether an event that saw s may use an entry read when
// the process showed cached: a value the event carries must equal the
// one recorded (a moved process or a reused pid shows another).
func (s Seen) matches(cached Seen) bool {
	return (s.CgroupID == 0 || s.CgroupID == cached.CgroupID) && (s.MntNS == 0 || s.MntNS == cached.MntNS)
}

type pidEntry struct {
	Entry
	seen  Seen
	found bool
	at    time.Time
}

// NewPIDs reads <proc>/<pid>/cgroup; proc is the host's /proc as mounted
// in the collector's container (often /host/proc).
func NewPIDs(proc string, ttl time.Duration) *PIDs {
	p := &PIDs{
		proc: proc, ttl: ttl, maxEntries: 1 << 14, read: os.ReadFile,
		entries: map[int64]pidEntry{}, hostMounts: map[int64]time.Time{},
	}
	for _, link := range []string{filepath.Join(proc, "1", "ns", "mnt"), "/proc/self/ns/mnt"} {
		if ns := mountNS(link); ns != 0 {
			p.trusted = append(p.trusted, ns)
		}
	}
	return p
}

// mountNS reads a namespace link ("mnt:[4026531841]"); 0 when it cannot
// (reading another process's needs ptrace access).
func mountNS(link string) int64 {
	s, err := os.Readlink(link)
	if err != nil {
		return 0
	}
	s, ok := strings.CutPrefix(s, "mnt:[")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "]"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Reads counts the /proc reads so far.
func (p *PIDs) Reads() int64 { return p.reads.Load() }

// Resolve returns the pid's cgroup; false when the process is gone or its
// /proc is unreadable. Both answers are cached for ttl.
func (p *PIDs) Resolve(pid int64, seen Seen, now time.Time) (Entry, bool) {
	if pid <= 0 {
		return Entry{}, false
	}
	p.mu.Lock()
	e, ok := p.entries[pid]
	p.mu.Unlock()
	if ok && now.Sub(e.at) < p.ttl && seen.matches(e.seen) {
		return e.Entry, e.found
	}
	p.reads.Add(1)
	data, err := p.read(filepath.Join(p.proc, strconv.FormatInt(pid, 10), "cgroup"))
	var out Entry
	if err == nil {
		if path, ok := cgroupid.ProcPath(data); ok {
			out.Path = path
			out.Ref, out.InPod = cgroupid.Parse(path)
		}
	}
	p.mu.Lock()
	p.store(pid, pidEntry{Entry: out, seen: seen, found: err == nil, at: now})
	if err == nil && seen.MntNS != 0 && p.isTrusted(seen.MntNS) {
		if out.InPod {
			delete(p.hostMounts, seen.MntNS)
		} else {
			p.hostMounts[seen.MntNS] = now
		}
	}
	p.mu.Unlock()
	return out, err == nil
}

// OutsidePods reports whether a process seen in mount namespace ns is in
// no pod without reading its /proc: ns is one the collector trusts and a
// read within ttl found a process of it outside any pod. Container
// runtimes give every container its own mount namespace, so a process
// sharing the host's is in no container. The pid, when known, is then
// cached as outside any pod, for the process's later events that carry
// no namespace (its exit, its connections).
func (p *PIDs) OutsidePods(pid int64, seen Seen, now time.Time) bool {
	if seen.MntNS == 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.hostMounts[seen.MntNS]
	if !ok || now.Sub(at) >= p.ttl {
		return false
	}
	if pid > 0 {
		p.store(pid, pidEntry{seen: seen, found: true, at: now})
	}
	return true
}

func (p *PIDs) isTrusted(ns int64) bool {
	for _, t := range p.trusted {
		if t == ns {
			return true
		}
	}
	return false
}

// store caches e; p.mu is held.
func (p *PIDs) store(pid int64, e pidEntry) {
	if len(p.entries) >= p.maxEntries {
		clear(p.entries)
	}
	p.entries[pid] = e
}
