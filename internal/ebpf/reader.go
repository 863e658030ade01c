package ebpf

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
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
//
// It waits for the ring in Go's netpoller, not in a blocking epoll_wait
// of its own: a goroutine parked there holds no thread, whereas a thread
// blocked in a syscall for milliseconds made the runtime's monitor take
// its P away, hand it to another thread and then poll every 20 µs for a
// while. On this machine (a paravirtualized VM, where every syscall and
// thread switch is expensive) that churn was most of an idle agent's CPU.
type Reader struct {
	rd *ringbuf.Reader
	// reserve reads the small ring the kernel writes OOM kills to when rd's
	// is full. It is only written while the reader is behind, so it is
	// looked at before every read from rd and never waited on.
	reserve *ringbuf.Reader
	// file is a duplicate of the ring's fd, registered with the netpoller;
	// raw waits on it for the kernel's wakeups.
	file *os.File
	raw  syscall.RawConn
	// mu keeps Close from unmapping the ring while the reader looks at it.
	mu     sync.Mutex
	closed atomic.Bool
	// poll is how long a read waits for a wakeup before looking at the
	// ring anyway; 0 when the kernel wakes the reader for every sample.
	poll time.Duration
	// deadline is the caller's deadline in Unix ns, 0 for none.
	deadline atomic.Int64

	// With batched wakeups, a reader whose ring stayed empty for
	// quietAfter polls in a row turns quiet: the kernel then wakes it for
	// the first sample after the ring ran dry, so an idle agent does not
	// wake every poll (250 times a second at 4 ms) and a sparse event is
	// read at once. busyBurst samples within quietAfter polls make it
	// busy again.
	setQuiet func(bool) error
	quiet    atomic.Bool
	// emptyPolls counts timed looks in a row that found the ring empty.
	emptyPolls int
	// windowStart and inWindow count a quiet reader's samples per
	// quietAfter polls.
	windowStart time.Time
	inWindow    int
	// polls counts looks at the ring a timer woke, for tests.
	polls atomic.Int64
}

// past is the deadline the ring reader always has: it never blocks, it
// only drains what is there; waiting is the netpoller's job.
var past = time.Unix(1, 0)

func newReader(events, reserveEvents *ebpf.Map, cfg Config, setQuiet func(bool) error) (*Reader, error) {
	rd, err := ringbuf.NewReader(events)
	if err != nil {
		return nil, err
	}
	rd.SetDeadline(past)
	reserve, err := ringbuf.NewReader(reserveEvents)
	if err != nil {
		rd.Close()
		return nil, fmt.Errorf("reserve ring: %w", err)
	}
	reserve.SetDeadline(past)
	file, raw, err := pollable(events)
	if err != nil {
		rd.Close()
		reserve.Close()
		return nil, err
	}
	r := &Reader{rd: rd, reserve: reserve, file: file, raw: raw, setQuiet: setQuiet}
	if cfg.WakeupBytes > 0 {
		r.poll = cfg.FlushInterval
	}
	return r, nil
}

// pollable duplicates the ring's fd into a non-blocking file the
// netpoller watches: the kernel wakes its poll queue as it wakes any
// epoll reader of the ring.
func pollable(events *ebpf.Map) (*os.File, syscall.RawConn, error) {
	fd, err := unix.FcntlInt(uintptr(events.FD()), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("duplicate ring buffer fd: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("ring buffer fd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "tapio-ringbuf")
	// A file the netpoller could not register takes no deadline.
	if err := file.SetReadDeadline(time.Time{}); err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("ring buffer fd is not pollable: %w", err)
	}
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("ring buffer fd: %w", err)
	}
	return file, raw, nil
}

// ReadInto blocks for the next sample and stores it in rec, reusing
// rec.RawSample's capacity, so a steady reader does not allocate. It returns
// os.ErrDeadlineExceeded once the deadline passed and the ring is empty,
// and ErrClosed after Close.
//
// When the kernel batches wakeups, a read also looks at the ring every
// flush interval while it waits.
func (r *Reader) ReadInto(rec *Record) error {
	timedLook := false
	for {
		got, err := r.drain(rec)
		if got || err != nil {
			return err
		}
		if timedLook && r.poll > 0 {
			r.emptyPolls++
			if r.emptyPolls >= quietAfter && !r.quiet.Load() && r.setQuiet(true) == nil {
				r.quiet.Store(true)
			}
		}
		now := time.Now()
		var next time.Time
		if r.poll > 0 {
			next = now.Add(r.interval())
		}
		if d := r.deadline.Load(); d != 0 {
			if now.UnixNano() >= d {
				return os.ErrDeadlineExceeded
			}
			if next.IsZero() || d < next.UnixNano() {
				next = time.Unix(0, d)
			}
		}
		woken, err := r.wait(next)
		if err != nil {
			return err
		}
		timedLook = !woken
		if timedLook {
			r.polls.Add(1)
		}
	}
}

// drain reads one sample if a ring has one, the reserve ring's first: what
// it holds was written while the main ring was full, and waiting behind
// that backlog would delay it most. The rings' positions are read from
// their mapped pages, so an empty ring costs no syscall.
func (r *Reader) drain(rec *Record) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return false, ErrClosed
	}
	for _, rd := range [...]*ringbuf.Reader{r.reserve, r.rd} {
		if rd.AvailableBytes() == 0 {
			continue
		}
		err := rd.ReadInto(rec)
		switch {
		case err == nil:
			r.emptyPolls = 0
			if r.quiet.Load() {
				r.countQuiet()
			}
			return true, nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Only a sample still being written: the next look reads
			// it, and the other ring may have one ready meanwhile.
			continue
		}
		return false, err
	}
	return false, nil
}

// wait parks until the kernel wakes the ring (true) or next passes
// (false); the zero next waits for a wakeup only.
func (r *Reader) wait(next time.Time) (bool, error) {
	if err := r.file.SetReadDeadline(next); err != nil {
		return false, r.closedOr(err)
	}
	err := r.raw.Read(func(uintptr) bool {
		if r.closed.Load() {
			return true
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return !r.closed.Load() && r.rd.AvailableBytes() > 0
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil
	}
	return false, r.closedOr(err)
}

func (r *Reader) closedOr(err error) error {
	if r.closed.Load() || errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return err
}

// busyBurst is how many samples within quietAfter polls (100 ms at a 4 ms
// poll) turn a quiet reader busy: 500 a second. Above one sample per poll
// (250 a second) per-sample wakeups already outnumber a batched reader's
// looks; twice that keeps an idle node's occasional bursts (a script's
// execs, a few connections' state changes) from flipping the kernel config
// back and forth. It was 8 samples within one poll (2,000 a second), so at
// 1,000 events/s the reader stayed quiet: a wakeup per sample and a small
// batch every few milliseconds through the whole pipeline.
const busyBurst = 2 * quietAfter

// countQuiet turns a quiet reader busy once busyBurst samples arrive
// within quietAfter polls; the next wait then uses the batched poll.
func (r *Reader) countQuiet() {
	now := time.Now()
	if now.Sub(r.windowStart) > quietAfter*r.poll {
		r.windowStart, r.inWindow = now, 0
	}
	r.inWindow++
	if r.inWindow < busyBurst || r.setQuiet(false) != nil {
		return
	}
	r.quiet.Store(false)
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
}

// AvailableBytes is how much data waits in the ring, 0 after Close.
func (r *Reader) AvailableBytes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return 0
	}
	return r.rd.AvailableBytes()
}

// Close unblocks a pending ReadInto. Probe.Close calls it.
func (r *Reader) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	// Closing the file wakes a read parked in the netpoller; the lock
	// then waits out a look at the ring before it is unmapped.
	ferr := r.file.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(ferr, r.rd.Close(), r.reserve.Close())
}
