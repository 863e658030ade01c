package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func queueOrder(q *queues) []string {
	var out []string
	q.each(func(inc *Incident) { out = append(out, inc.ID) })
	return out
}

// TestQueueKeepsTouchOrder: the intrusive queue moves a touched group to
// the back, removes from any position, tolerates a second removal, and
// moves a group that opened to its rule's open queue.
func TestQueueKeepsTouchOrder(t *testing.T) {
	var q queues
	q.init(1)
	a, b, c := &Incident{ID: "a"}, &Incident{ID: "b"}, &Incident{ID: "c"}
	for _, inc := range []*Incident{a, b, c} {
		q.push(inc)
	}
	require.Equal(t, []string{"a", "b", "c"}, queueOrder(&q))
	q.touch(b, false)
	require.Equal(t, []string{"a", "c", "b"}, queueOrder(&q))
	q.touch(b, false) // already at the back
	require.Equal(t, []string{"a", "c", "b"}, queueOrder(&q))
	q.touch(a, false)
	require.Equal(t, []string{"c", "b", "a"}, queueOrder(&q))
	require.Same(t, c, q.oldest())

	q.remove(b)
	q.remove(b)
	require.Equal(t, []string{"c", "a"}, queueOrder(&q))
	c.open = true
	q.touch(c, false)
	require.Equal(t, []string{"a", "c"}, queueOrder(&q), "candidates first, then the open queue")
	require.Same(t, a, q.oldest(), "a was touched before c")
	q.remove(a)
	q.remove(c)
	require.Empty(t, queueOrder(&q))
	require.Nil(t, q.oldest())
}

// openByWalk counts open incidents the slow way, over every group.
func openByWalk(e *Engine) map[string]int {
	out := map[string]int{"count": 0}
	e.groups.all(func(inc *Incident) {
		if inc.open {
			out[inc.Rule.Name()]++
		}
	})
	return out
}

// TestOpenCountFollowsLifecycle: the kept per-rule count of open incidents
// matches a walk over the groups through opening, eviction, expiry and a
// snapshot restore.
func TestOpenCountFollowsLifecycle(t *testing.T) {
	opts := testOpts
	opts.MaxIncidents = 3
	e := newTestEngine(t, opts)
	for i, pod := range []string{"a", "a", "b", "b", "c", "d", "d", "e", "e"} {
		e.Process(exit("ev"+string(rune('0'+i)), pod, time.Duration(i)*time.Second))
		require.Equal(t, openByWalk(e), e.OpenByRule(), "after event %d", i)
	}
	e.Drain()
	snap, err := e.Snapshot()
	require.NoError(t, err)
	restored := newTestEngine(t, opts)
	_, err = restored.Restore(snap)
	require.NoError(t, err)
	require.Equal(t, openByWalk(restored), restored.OpenByRule())
	require.Positive(t, restored.OpenByRule()["count"])
	e.Advance(t0.Add(time.Hour))
	require.Equal(t, map[string]int{"count": 0}, e.OpenByRule())
}
