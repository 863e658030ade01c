package engine

import (
	"testing"

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
