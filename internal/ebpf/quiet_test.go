package ebpf

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// kernelWakeupBytes reads the wakeup threshold the programs see now.
func kernelWakeupBytes(t *testing.T, p *Probe) uint32 {
	t.Helper()
	var kc tapioTapioConfig
	require.NoError(t, p.maps.Settings.Lookup(uint32(0), &kc))
	return kc.WakeupBytes
}

// An idle reader with batched wakeups must not look at the ring every
// flush interval: after one empty interval the kernel wakes it per sample
// instead, and it looks only every quietPoll. Only OOM kills are enabled,
// so the host's other activity leaves the ring empty.
func TestReaderGoesQuietWhenIdle(t *testing.T) {
	cfg := configFor(wire.TypeOOMKill)
	cfg.WakeupBytes = 4096
	cfg.FlushInterval = 4 * time.Millisecond
	p := openProbe(t, cfg)
	rd := p.Reader()
	done := make(chan error, 1)
	go func() {
		var rec Record
		done <- rd.ReadInto(&rec)
	}()
	require.Eventually(t, func() bool { return kernelWakeupBytes(t, p) == 0 }, 2*time.Second, 10*time.Millisecond,
		"an idle reader switches the kernel to per-sample wakeups")
	before := rd.polls.Load()
	time.Sleep(time.Second)
	polls := rd.polls.Load() - before
	// Batched, it would have looked ~250 times; quiet, ~4.
	assert.LessOrEqual(t, polls, int64(8), "looks at an idle ring in one second")
	require.NoError(t, rd.Close())
	require.ErrorIs(t, <-done, ErrClosed)
}

// A quiet reader is woken by the kernel for a sparse sample at once, and
// turns busy (batched wakeups again) when samples keep coming.
func TestQuietReaderWakesAndTurnsBusy(t *testing.T) {
	cfg := configFor(wire.TypeTCPState)
	cfg.WakeupBytes = 4096
	cfg.FlushInterval = 4 * time.Millisecond
	p := openProbe(t, cfg)
	rd := p.Reader()
	// Force quiet as the reader would on an empty interval, so the test
	// does not depend on the host's TCP traffic pausing.
	require.NoError(t, p.setQuiet(true))
	rd.quiet.Store(true)
	rd.SetDeadline(time.Now().Add(5 * time.Second))

	got := make(chan error, 1)
	go func() {
		var rec Record
		for {
			if err := rd.ReadInto(&rec); err != nil {
				got <- err
				return
			}
			if !rd.quiet.Load() {
				got <- nil
				return
			}
		}
	}()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	start := time.Now()
	// Connections back to back: more than busyBurst state changes (each
	// connection has several, on both ends) within quietAfter polls.
	for range busyBurst / 2 {
		c, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
		require.NoError(t, err)
		s, err := ln.Accept()
		require.NoError(t, err)
		require.NoError(t, c.Close())
		require.NoError(t, s.Close())
	}
	require.NoError(t, <-got)
	assert.Less(t, time.Since(start), quietPoll, "woken by the kernel, not by the quiet poll")
	assert.Equal(t, uint32(cfg.WakeupBytes), kernelWakeupBytes(t, p), "busy again: batched wakeups")
}

// Under steady load a reader must stay batched: flipping to per-sample
// wakeups costs a kernel config write each way and a wakeup per sample.
// The loop reads as the receiver does (a deadline once a batch starts,
// cleared after the flush).
func TestBusyReaderStaysBatched(t *testing.T) {
	cfg := configFor(wire.TypeTCPState)
	cfg.WakeupBytes = 64 << 10
	cfg.FlushInterval = 4 * time.Millisecond
	p := openProbe(t, cfg)
	rd := p.Reader()
	var flips int
	setQuiet := rd.setQuiet
	rd.setQuiet = func(q bool) error { flips++; return setQuiet(q) }

	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	stop := make(chan struct{})
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			c, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
			if err != nil {
				continue
			}
			if s, err := ln.Accept(); err == nil {
				s.Close()
			}
			c.Close()
		}
	}()
	var rec Record
	var n, batch int
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		err := rd.ReadInto(&rec)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			batch = 0
			rd.SetDeadline(time.Time{})
		case err != nil:
			t.Fatal(err)
		default:
			n++
			batch++
			if batch == 1 {
				rd.SetDeadline(time.Now().Add(2 * time.Millisecond))
			}
		}
	}
	close(stop)
	<-loadDone
	t.Logf("%d samples, %d flips, %d polls", n, flips, rd.polls.Load())
	require.Greater(t, n, 2000)
	assert.LessOrEqual(t, flips, 2, "config writes under steady load")
	// A look per poll (4 ms) and one per batch deadline: about 1,000 in
	// 2 s. Deadlines cut to whole milliseconds spun epoll_wait(0) over a
	// million times here.
	assert.Less(t, rd.polls.Load(), int64(2000), "timed looks at the ring")
}
