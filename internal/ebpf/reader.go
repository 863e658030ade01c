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

// Reader reads samples from the probe's ring buffer. One goroutine reads;
// Close and SetDeadline may be called from others.
type Reader struct {
	rd *ringbuf.Reader
	// poll is how long a read waits for a wakeup before looking at the
	// ring anyway; 0 when the kernel wakes the reader for every sample.
	poll time.Duration
	// deadline is the caller's deadline in Unix ns, 0 for none.
	deadline atomic.Int64
}

func newReader(rd *ringbuf.Reader, cfg Config) *Reader {
	r := &Reader{rd: rd}
	if cfg.WakeupBytes > 0 {
		r.poll = cfg.FlushInterval
		rd.SetDeadline(time.Now().Add(r.poll))
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
		if err == nil || r.poll == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		now := time.Now()
		next := now.Add(r.poll)
		if d := r.deadline.Load(); d != 0 {
			if now.UnixNano() >= d {
				return err
			}
			if d < next.UnixNano() {
				next = time.Unix(0, d)
			}
		}
		r.rd.SetDeadline(next)
	}
}

// SetDeadline bounds how long ReadInto waits; the zero time waits forever.
// It takes effect at the next read.
func (r *Reader) SetDeadline(t time.Time) {
	var d int64
	if !t.IsZero() {
		d = t.UnixNano()
	}
	r.deadline.Store(d)
	if r.poll == 0 {
		r.rd.SetDeadline(t)
		return
	}
	next := time.Now().Add(r.poll)
	if d != 0 && d < next.UnixNano() {
		next = t
	}
	r.rd.SetDeadline(next)
}

// Close unblocks a pending ReadInto. Probe.Close calls it.
func (r *Reader) Close() error { return r.rd.Close() }
