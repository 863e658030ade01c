package ebpf

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// With wakeup batching, the kernel checks how much data waits each time a
// CPU has written WakeupBytes and wakes a blocked reader once that much
// does, long before the flush timer would.
func TestWakeupBytesWakesBlockedReader(t *testing.T) {
	cfg := configFor(wire.TypeTCPState)
	cfg.WakeupBytes = 4096
	cfg.FlushInterval = 10 * time.Second
	p := openProbe(t, cfg)
	rd := p.Reader()

	got := make(chan error, 1)
	rd.SetDeadline(time.Now().Add(5 * time.Second))
	go func() {
		var rec Record
		got <- rd.ReadInto(&rec)
	}()
	// Let the reader block on an empty ring first, so only a wakeup (or
	// the 5 s deadline) can return it.
	time.Sleep(100 * time.Millisecond)

	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	start := time.Now()
	// About 10 state changes of 112 bytes per connection: 64 KiB in all,
	// several times WakeupBytes on each CPU.
	for range 60 {
		c, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
		require.NoError(t, err)
		s, err := ln.Accept()
		require.NoError(t, err)
		require.NoError(t, c.Close())
		require.NoError(t, s.Close())
	}
	require.NoError(t, <-got)
	// Without a wakeup the read returns at its deadline, 5 s after it began.
	require.Less(t, time.Since(start), 3*time.Second, "the reader was not woken")
}
