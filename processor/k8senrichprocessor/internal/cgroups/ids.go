package cgroups

import (
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/yairfalse/tapio/internal/cgroupid"
	"github.com/yairfalse/tapio/internal/cgroupv2"
)

// Entry is what one cgroup says about its container.
type Entry struct {
	Path string
	Ref  cgroupid.Ref
	// InPod is false for cgroups outside pods (system services, the
	// root), which are remembered so they cost no further walks.
	InPod bool
}

// IDs maps cgroup v2 ids, which are the inode numbers of the cgroup
// directories (bpf_get_current_cgroup_id), to paths by walking the
// hierarchy. The kernel offers no cheap reverse lookup, so the map is
// filled by walks, at most one per minWalk, and an id is looked up in
// memory after the first.
type IDs struct {
	root    string
	minWalk time.Duration
	// maxEntries bounds the map on a node that churns through cgroups;
	// past it the map restarts from the next walk.
	maxEntries int

	mu       sync.RWMutex
	entries  map[uint64]Entry
	lastWalk time.Time
	walkMu   sync.Mutex
}

// NewIDs walks root lazily. An empty root means the host's cgroup v2
// mount (cgroupv2.Find).
func NewIDs(root string, minWalk time.Duration) *IDs {
	if root == "" {
		root = cgroupv2.Find()
	}
	return &IDs{root: root, minWalk: minWalk, maxEntries: 1 << 16, entries: map[uint64]Entry{}}
}

// Root returns the hierarchy walked.
func (r *IDs) Root() string { return r.root }

// Lookup returns the entry for id from memory.
func (r *IDs) Lookup(id uint64) (Entry, bool) {
	r.mu.RLock()
	e, ok := r.entries[id]
	r.mu.RUnlock()
	return e, ok
}

// Add records the path of a cgroup id learned another way (from a pid's
// /proc entry), so the id costs no walk next time.
func (r *IDs) Add(id uint64, path string) {
	ref, inPod := cgroupid.Parse(path)
	r.mu.Lock()
	if len(r.entries) >= r.maxEntries {
		clear(r.entries)
	}
	r.entries[id] = Entry{Path: path, Ref: ref, InPod: inPod}
	r.mu.Unlock()
}

// Resolve returns the entry for id, walking the hierarchy once more when
// it is unknown and the last walk is older than minWalk.
func (r *IDs) Resolve(id uint64) (Entry, bool) {
	if e, ok := r.Lookup(id); ok {
		return e, true
	}
	r.walk()
	return r.Lookup(id)
}

// walk adds every cgroup directory under root. Entries of cgroups that
// are gone are kept (bounded): their events may still be in flight.
func (r *IDs) walk() {
	r.walkMu.Lock()
	defer r.walkMu.Unlock()
	r.mu.RLock()
	recent := time.Since(r.lastWalk) < r.minWalk
	r.mu.RUnlock()
	if recent || r.root == "" {
		return
	}
	found := map[uint64]Entry{}
	_ = filepath.WalkDir(r.root, func(path string, d fs.DirEntry, err error) error {
		// A cgroup removed mid-walk is not an error worth stopping for.
		if err != nil || !d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		rel := "/" + filepath.ToSlash(mustRel(r.root, path))
		ref, inPod := cgroupid.Parse(rel)
		found[st.Ino] = Entry{Path: rel, Ref: ref, InPod: inPod}
		return nil
	})
	r.mu.Lock()
	if len(r.entries)+len(found) > r.maxEntries {
		r.entries = found
	} else {
		for id, e := range found {
			r.entries[id] = e
		}
	}
	r.lastWalk = time.Now()
	r.mu.Unlock()
}

func mustRel(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return ""
	}
	return rel
}
