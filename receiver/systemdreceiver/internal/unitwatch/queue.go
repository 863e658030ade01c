package unitwatch

import (
	"sync"
	"sync/atomic"

	"github.com/godbus/dbus/v5"
)

const propertiesChanged = "org.freedesktop.DBus.Properties.PropertiesChanged"

// queue receives signals from godbus's reader goroutine. godbus's default
// handler, when a channel is full, hands each signal to a goroutine of its
// own, which can reorder a Service signal and the Unit signal after it; this
// queue keeps arrival order, never blocks the reader, and counts what it
// has to drop when the consumer falls behind by limit signals.
type queue struct {
	mu      sync.Mutex
	pending []*dbus.Signal
	limit   int
	ready   chan struct{}
	dropped atomic.Uint64
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, ready: make(chan struct{}, 1)}
}

// DeliverSignal implements dbus.SignalHandler. Other signals (the bus's own
// NameAcquired) are not ours to report.
func (q *queue) DeliverSignal(_, _ string, sig *dbus.Signal) {
	if sig.Name != propertiesChanged {
		return
	}
	q.mu.Lock()
	if len(q.pending) >= q.limit {
		q.mu.Unlock()
		q.dropped.Add(1)
		return
	}
	q.pending = append(q.pending, sig)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Terminate implements dbus.Terminator; nothing waits on the queue but
// Ready, which the connection's Done covers.
func (q *queue) Terminate() {}

// drain moves the pending signals to dst, oldest first.
func (q *queue) drain(dst []*dbus.Signal) []*dbus.Signal {
	q.mu.Lock()
	dst = append(dst, q.pending...)
	clear(q.pending)
	q.pending = q.pending[:0]
	q.mu.Unlock()
	return dst
}
