package k8senrichprocessor

import (
	"sync"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// regroup moves the records of one plog.Logs whose subject resolved to a
// pod under a Resource of that pod and container, created once per batch
// and written once: the pod's k8s.* and container.* attributes then cost a
// batch one write per pod instead of one per event. The new Resource
// starts as a copy of the record's own (host.name and whatever the
// pipeline set), so a reader loses nothing, and the record itself moves
// (its pointer's content, not a copy of its values). Records that name no
// pod stay where they are; records held back move to the held batch in
// the same pass.
type regroup struct {
	ld    plog.Logs
	cache *kubecache.Cache

	// origins are the distinct (resource, scope) pairs seen so far:
	// records of one pod from two requests with the same resource (as a
	// batch processor appends them) share a group.
	origins []origin
	// byPod finds the first group of a pod (as the cache handed it out)
	// under an origin, byUID the same by uid when the pointer is new (the
	// cache replaced the pod mid-batch); a pod's groups for its other
	// containers follow through slot.next. A pointer key is hashed without
	// reading the uid's and container id's hundred bytes.
	byPod map[podKey]int32
	byUID map[uidKey]int32
	slots []slot
	// last is the slot the previous record went to: a process's events
	// tend to come together.
	last int32

	// dest is, per record of the scope being walked, the slot it goes
	// to, or stay or held.
	dest []int32
	// touched lists the slots the scope being walked adds to.
	touched []int32

	// held collects the records to hold back, heldN counts them.
	held  plog.Logs
	heldN int
}

type podKey struct {
	origin int
	pod    *kubecache.Pod
}

type uidKey struct {
	origin int
	uid    string
}

type origin struct {
	rl plog.ResourceLogs
	sl plog.ScopeLogs
}

// slot is a group's records and how many the scope being walked adds.
type slot struct {
	lrs         plog.LogRecordSlice
	add         int
	origin      int
	pod         *kubecache.Pod
	containerID string
	// next is the pod's next group under the same origin, or -1.
	next int32
}

const (
	stay = -1
	held = -2
)

// place is what the walk's callback decided for one record.
type place struct {
	// pod is the subject found; nil leaves the record where it is.
	pod         *kubecache.Pod
	containerID string
	runtime     string
	// hold sends the record to the hold-back batch.
	hold bool
}

func newRegroup(ld plog.Logs, c *kubecache.Cache) *regroup {
	return &regroup{ld: ld, cache: c, last: -1}
}

// regroups reuses a batch's maps and slices for the next batch: creating
// them per batch cost a few allocations and a map's growth each time.
var regroups = sync.Pool{New: func() any { return &regroup{} }}

// getRegroup is newRegroup from the pool; putRegroup returns it once the
// batch and its held records were handed on.
func getRegroup(ld plog.Logs, c *kubecache.Cache) *regroup {
	g := regroups.Get().(*regroup)
	g.ld, g.cache, g.last = ld, c, -1
	return g
}

func putRegroup(g *regroup) {
	clear(g.origins)
	clear(g.slots)
	clear(g.byPod)
	clear(g.byUID)
	*g = regroup{
		origins: g.origins[:0], byPod: g.byPod, byUID: g.byUID, slots: g.slots[:0],
		dest: g.dest[:0], touched: g.touched[:0],
	}
	regroups.Put(g)
}

// walk calls f on every record ld holds when it starts, then moves each
// where f said, keeping the order of the records within each group, and
// removes the scopes and resources it emptied. Removal waits for the end:
// pdata clears what it removes, and a later group may still copy an
// emptied scope or resource.
func (g *regroup) walk(f func(plog.LogRecord) place) {
	rls := g.ld.ResourceLogs()
	n := rls.Len()
	// emptied[i][j] marks the scopes this walk emptied.
	var emptied [][]bool
	for i := 0; i < n; i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			if !g.walkScope(rl, sl, f) || sl.LogRecords().Len() > 0 {
				continue
			}
			if emptied == nil {
				emptied = make([][]bool, n)
			}
			if emptied[i] == nil {
				emptied[i] = make([]bool, sls.Len())
			}
			emptied[i][j] = true
		}
	}
	if emptied == nil {
		return
	}
	i := 0
	rls.RemoveIf(func(rl plog.ResourceLogs) bool {
		k := i
		i++
		// The groups, appended after the first n, are never empty.
		if k >= n || emptied[k] == nil {
			return false
		}
		scopes := emptied[k]
		j := 0
		rl.ScopeLogs().RemoveIf(func(plog.ScopeLogs) bool {
			gone := scopes[j]
			j++
			return gone
		})
		return rl.ScopeLogs().Len() == 0
	})
}

// walkScope places the records of one scope and reports whether any moved.
func (g *regroup) walkScope(rl plog.ResourceLogs, sl plog.ScopeLogs, f func(plog.LogRecord) place) bool {
	lrs := sl.LogRecords()
	g.dest, g.touched = g.dest[:0], g.touched[:0]
	o := -1
	moved := false
	for k := 0; k < lrs.Len(); k++ {
		d := int32(stay)
		switch p := f(lrs.At(k)); {
		case p.hold:
			d = held
			g.heldN++
		case p.pod != nil:
			if o < 0 {
				o = g.origin(rl, sl)
			}
			d = g.group(o, &p)
			if g.slots[d].add == 0 {
				g.touched = append(g.touched, d)
			}
			g.slots[d].add++
		}
		g.dest = append(g.dest, d)
		moved = moved || d != stay
	}
	if !moved {
		return false
	}
	// A scope whose records all go to one group (a burst from one
	// process) hands over its records whole: moving one by one allocates
	// a record in the group for each.
	// The group is touched[0]: dest[0] may be a held or staying record.
	if len(g.touched) == 1 && g.slots[g.touched[0]].add == lrs.Len() {
		d := g.touched[0]
		g.slots[d].add = 0
		lrs.MoveAndAppendTo(g.slots[d].lrs)
		return true
	}
	// Each group's records grow once per scope, not by doubling.
	for _, d := range g.touched {
		s := &g.slots[d]
		s.lrs.EnsureCapacity(s.lrs.Len() + s.add)
		s.add = 0
	}
	var heldLRs plog.LogRecordSlice
	k := 0
	lrs.RemoveIf(func(lr plog.LogRecord) bool {
		d := g.dest[k]
		k++
		switch d {
		case stay:
			return false
		case held:
			if heldLRs == (plog.LogRecordSlice{}) {
				heldLRs = g.heldScope(rl, sl)
			}
			lr.MoveTo(heldLRs.AppendEmpty())
		default:
			lr.MoveTo(g.slots[d].lrs.AppendEmpty())
		}
		return true
	})
	return true
}

// group returns the slot of the group of p's pod and container under
// origin o, creating its Resource and scope on first use.
func (g *regroup) group(o int, p *place) int32 {
	if i := g.last; i >= 0 {
		if s := &g.slots[i]; s.pod == p.pod && s.origin == o && s.containerID == p.containerID {
			return i
		}
	}
	head, ok := g.byPod[podKey{o, p.pod}]
	if !ok {
		if head, ok = g.byUID[uidKey{o, p.pod.UID}]; ok {
			g.byPod[podKey{o, p.pod}] = head
		}
	}
	if ok {
		for i := head; i >= 0; i = g.slots[i].next {
			if g.slots[i].containerID == p.containerID {
				g.last = i
				return i
			}
		}
	}
	if g.byPod == nil {
		g.byPod, g.byUID = make(map[podKey]int32), make(map[uidKey]int32)
	}
	from := g.origins[o]
	rl := g.ld.ResourceLogs().AppendEmpty()
	from.rl.Resource().CopyTo(rl.Resource())
	rl.SetSchemaUrl(from.rl.SchemaUrl())
	writeSubject(rl.Resource().Attributes(), p, g.cache.Workload(p.pod))
	sl := rl.ScopeLogs().AppendEmpty()
	from.sl.Scope().CopyTo(sl.Scope())
	sl.SetSchemaUrl(from.sl.SchemaUrl())
	i := int32(len(g.slots))
	s := slot{lrs: sl.LogRecords(), origin: o, pod: p.pod, containerID: p.containerID, next: -1}
	if ok {
		s.next = head
	}
	g.slots = append(g.slots, s)
	g.byPod[podKey{o, p.pod}] = i
	g.byUID[uidKey{o, p.pod.UID}] = i
	g.last = i
	return i
}

// origin returns the index of the first (resource, scope) pair equal to
// rl's and sl's, adding them when none is.
func (g *regroup) origin(rl plog.ResourceLogs, sl plog.ScopeLogs) int {
	for i, o := range g.origins {
		if sameResource(o.rl, rl) && sameScope(o.sl, sl) {
			return i
		}
	}
	g.origins = append(g.origins, origin{rl: rl, sl: sl})
	return len(g.origins) - 1
}

func sameResource(a, b plog.ResourceLogs) bool {
	if a == b {
		return true
	}
	ra, rb := a.Resource(), b.Resource()
	return a.SchemaUrl() == b.SchemaUrl() && ra.DroppedAttributesCount() == rb.DroppedAttributesCount() &&
		ra.Attributes().Equal(rb.Attributes())
}

func sameScope(a, b plog.ScopeLogs) bool {
	if a == b {
		return true
	}
	sa, sb := a.Scope(), b.Scope()
	return a.SchemaUrl() == b.SchemaUrl() && sa.Name() == sb.Name() && sa.Version() == sb.Version() &&
		sa.DroppedAttributesCount() == sb.DroppedAttributesCount() && sa.Attributes().Equal(sb.Attributes())
}

// heldScope starts the held batch's copy of rl's resource and sl's scope.
func (g *regroup) heldScope(rl plog.ResourceLogs, sl plog.ScopeLogs) plog.LogRecordSlice {
	if g.held == (plog.Logs{}) {
		g.held = plog.NewLogs()
	}
	hrl := g.held.ResourceLogs().AppendEmpty()
	rl.Resource().CopyTo(hrl.Resource())
	hrl.SetSchemaUrl(rl.SchemaUrl())
	hsl := hrl.ScopeLogs().AppendEmpty()
	sl.Scope().CopyTo(hsl.Scope())
	hsl.SetSchemaUrl(sl.SchemaUrl())
	return hsl.LogRecords()
}
