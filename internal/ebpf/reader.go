package ebpf

import (
	"errors"
	"os"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/ringbuf"
)

// ErrClosed is returned by a read after Close; a read pending at Close
// returns it too.
var ErrClosed = ringbuf.ErrClosed

// Record holds one sample; reusing it across reads reuses its buffer.
type Record = ringbuf.Record

// quietPoll is how often a quiet reader looks at the ring although the
// kernel wakes it per sample: it only covers a sample submitted by a
// program that read the batched config just before the switch.
const quietPoll = 250 * time.Millisecond

// quietAfter is how many empty polls in a row turn a reader quiet: 100 ms
// at a 4 ms poll, so a loaded agent's short gaps do not flip the kernel
// config back and forth.
const quietAfter = 25

// Reader reads samples from the probe's ring buffer. One goroutine reads;
// Close and SetDeadline may be called from others.
type Reader struct {
	rd *ringbuf.Reader
	// poll is how long a read waits for a wakeup before looking at the
	// ring anyway; 0 when the kernel wakes the reader for every sample.
	poll time.Duration
	// deadline is the caller's deadline in Unix ns, 0 for none.
	deadline atomic.Int64

	// With batched wakeups, a reader whose ring stayed empty for
	// quietAfter polls in a row turns quiet: the kernel then wakes it for the first sample
	// after the ring ran dry, so an idle agent does not wake every poll
	// (250 times a second at 4 ms) and a sparse event is read at once.
	// busyBurst samples within one poll make it busy again.
	setQuiet func(bool) error
	quiet    atomic.Bool
	// emptyPolls counts timed looks in a row that found the ring empty.
	emptyPolls int
	// windowStart and inWindow count a quiet reader's samples per poll.
	windowStart time.Time
	inWindow    int
	// polls counts timed looks at the ring, for tests.
	polls atomic.Int64
}

func newReader(rd *ringbuf.Reader, cfg Config, setQuiet func(bool) error) *Reader {
	r := &Reader{rd: rd, setQuiet: setQuiet}
	if cfg.WakeupBytes > 0 {
		r.poll = cfg.FlushInterval
		r.arm(time.Now().Add(r.poll))
	}
	return r
}

// ReadInto blocks for the next sample and stores it in rec, reusing
// rec.RawSample's capacity, so a steady reader does not allocate. It returns
// os.ErrDeadlineExceeded once the deadline passed and the ring is empty,
// and ErrClosed after Close.
//
// When the kernel batches wakeups, a read also looks at the ring every
// flush interval; the timer is re-armed only when the ring ran dry, so a
// busy reader pays nothing for it.
func (r *Reader) ReadInto(rec *Record) error {
	for {
		err := r.rd.ReadInto(rec)
		if r.poll == 0 {
			return err
		}
		if err == nil {
			r.emptyPolls = 0
			if r.quiet.Load() {
				r.countQuiet()
			}
			return nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		r.polls.Add(1)
		r.emptyPolls++
		if r.emptyPolls >= quietAfter && !r.quiet.Load() && r.setQuiet(true) == nil {
			r.quiet.Store(true)
		}
		now := time.Now()
		next := now.Add(r.interval())
		if d := r.deadline.Load(); d != 0 {
			if now.UnixNano() >= d {
				return err
			}
			if d < next.UnixNano() {
				next = time.Unix(0, d)
			}
		}
		r.arm(next)
	}
}

// busyBurst is how many samples within one poll turn a quiet reader busy:
// 2,000 a second at a 4 ms poll, where per-sample wakeups would cost more
// than batched ones. A single exec and exit, or one connection's few state
// changes, stay below it, so an idle node's occasional bursts keep the
// reader quiet.
const busyBurst = 8

// countQuiet turns a quiet reader busy once busyBurst samples arrive
// within one poll.
func (r *Reader) countQuiet() {
	now := time.Now()
	if now.Sub(r.windowStart) > r.poll {
		r.windowStart, r.inWindow = now, 0
	}
	r.inWindow++
	if r.inWindow < busyBurst || r.setQuiet(false) != nil {
		return
	}
	r.quiet.Store(false)
	// Batched again: the next look at the ring is one poll away.
	r.SetDeadline(time.Unix(0, r.deadline.Load()))
}

// interval is how long a read waits before looking at the ring.
func (r *Reader) interval() time.Duration {
	if r.quiet.Load() {
		return quietPoll
	}
	return r.poll
}

// SetDeadline bounds how long ReadInto waits; the zero time waits forever.
// It takes effect at the next read.
func (r *Reader) SetDeadline(t time.Time) {
	var d int64
	if !t.IsZero() && t.UnixNano() != 0 {
		d = t.UnixNano()
	}
	r.deadline.Store(d)
	if r.poll == 0 {
		if d == 0 {
			r.rd.SetDeadline(time.Time{})
			return
		}
		r.arm(t)
		return
	}
	next := time.Now().Add(r.interval())
	if d != 0 && d < next.UnixNano() {
		next = time.Unix(0, d)
	}
	r.arm(next)
}

// epollSlack pads every deadline given to the ring reader. It turns the
// time left into epoll_wait's whole milliseconds by truncation, so a
// deadline 3.9 ms away waits 3 ms, and the last fraction became a spin of
// epoll_wait(0) calls: measured, over a million a second, and under load
// enough empty looks to turn the reader quiet. Padded, the wait is never
// shorter than asked and at most a millisecond longer.
const epollSlack = time.Millisecond - time.Microsecond

func (r *Reader) arm(t time.Time) { r.rd.SetDeadline(t.Add(epollSlack)) }

// Close unblocks a pending ReadInto. Probe.Close calls it.
func (r *Reader) Close() error { return r.rd.Close() }
