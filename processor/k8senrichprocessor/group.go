package k8senrichprocessor

import (
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
	groups  map[groupKey]int
	slots   []slot

	// dest is, per record of the scope being walked, the slot it goes
	// to, or stay or held.
	dest []int32
	// touched lists the slots the scope being walked adds to.
	touched []int32

	// held collects the records to hold back, heldN counts them.
	held  plog.Logs
	heldN int
}

type origin struct {
	rl plog.ResourceLogs
	sl plog.ScopeLogs
}

// slot is a group's records and how many the scope being walked adds.
type slot struct {
	lrs plog.LogRecordSlice
	add int
}

const (
	stay = -1
	held = -2
)

type groupKey struct {
	origin      int
	podUID      string
	containerID string
}

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
	return &regroup{ld: ld, cache: c}
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
	key := groupKey{origin: o, podUID: p.pod.UID, containerID: p.containerID}
	if i, ok := g.groups[key]; ok {
		return int32(i)
	}
	if g.groups == nil {
		g.groups = make(map[groupKey]int)
	}
	from := g.origins[o]
	rl := g.ld.ResourceLogs().AppendEmpty()
	from.rl.Resource().CopyTo(rl.Resource())
	rl.SetSchemaUrl(from.rl.SchemaUrl())
	writeSubject(rl.Resource().Attributes(), p, g.cache.Workload(p.pod))
	sl := rl.ScopeLogs().AppendEmpty()
	from.sl.Scope().CopyTo(sl.Scope())
	sl.SetSchemaUrl(from.sl.SchemaUrl())
	g.groups[key] = len(g.slots)
	g.slots = append(g.slots, slot{lrs: sl.LogRecords()})
	return int32(len(g.slots) - 1)
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
