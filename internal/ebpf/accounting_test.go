package ebpf

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/testkit"
)

// drain reads until the ring has been empty for a short deadline and
// returns how many samples of each type it read.
func drain(t *testing.T, r *Reader) [wire.TypeMax]uint64 {
	t.Helper()
	var got [wire.TypeMax]uint64
	var rec Record
	for {
		r.SetDeadline(time.Now().Add(50 * time.Millisecond))
		err := r.ReadInto(&rec)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return got
		}
		require.NoError(t, err)
		h, err := wire.ParseHeader(rec.RawSample)
		require.NoError(t, err)
		got[h.Type]++
	}
}

// With a one-page ring and nobody reading during a burst of execs, most
// samples are lost; every one is still accounted for: read + lost equals
// what the programs produced, exactly. Other processes on the host exec
// too, so the check is on the kernel's own produced count, repeated until
// a quiet moment makes all three counters agree.
func TestLossAccountingExact(t *testing.T) {
	const burst = 300
	cfg := configFor(wire.TypeExec)
	cfg.RingSize = MinRingSize
	cfg.WakeupBytes = 0
	p := openProbe(t, cfg)

	for range burst {
		require.NoError(t, exec.Command("/bin/true").Run())
	}

	var read [wire.TypeMax]uint64
	var produced, lost [wire.TypeMax]uint64
	require.Eventually(t, func() bool {
		got := drain(t, p.Reader())
		for i := range got {
			read[i] += got[i]
		}
		var err error
		produced, err = p.ProducedCounts()
		require.NoError(t, err)
		lost, err = p.LostCounts()
		require.NoError(t, err)
		return read[wire.TypeExec]+lost[wire.TypeExec] == produced[wire.TypeExec]
	}, 10*time.Second, time.Millisecond, "read %d + lost %d != produced %d",
		read[wire.TypeExec], lost[wire.TypeExec], produced[wire.TypeExec])

	t.Logf("exec: produced %d, read %d, lost %d", produced[wire.TypeExec], read[wire.TypeExec], lost[wire.TypeExec])
	assert.GreaterOrEqual(t, produced[wire.TypeExec], uint64(burst))
	assert.NotZero(t, lost[wire.TypeExec], "a 4 KiB ring should overflow")
	assert.NotZero(t, read[wire.TypeExec])
	for typ := range wire.TypeMax {
		if typ != int(wire.TypeExec) {
			assert.Zero(t, produced[typ], "type %d is disabled", typ)
		}
	}
	used, size := p.RingFill()
	assert.Zero(t, used)
	assert.Equal(t, MinRingSize, size)
}

// A cgroup over its TCP budget sheds events, and counts them; the burst
// still gets through.
func TestRateLimitSheds(t *testing.T) {
	cfg := configFor(wire.TypeTCPState)
	cfg.RatePerSec = 1
	cfg.Burst = 5
	p := openProbe(t, cfg)
	c := collect(t, p)

	for range 5 {
		client, server := loopbackPair(t)
		client.Close()
		server.Close()
	}
	require.Eventually(t, func() bool {
		shed, err := p.ShedCounts()
		require.NoError(t, err)
		return shed[wire.TypeTCPState] > 0
	}, 10*time.Second, 10*time.Millisecond)
	// The first events of the burst were not shed.
	c.await(t, wire.TypeTCPState, "within the burst", func([]byte) bool { return true })
}

func TestHookFailureIsolated(t *testing.T) {
	cfg := configFor()
	cfg.CgroupPath = "/nonexistent/tapio-cgroup"
	p := openProbe(t, cfg)
	c := collect(t, p)

	for _, h := range p.Hooks() {
		if h.Type == wire.TypeDNS {
			assert.False(t, h.Attached, h.Name)
			assert.ErrorContains(t, h.Err, "/nonexistent/tapio-cgroup")
			continue
		}
		assert.True(t, h.Attached, "%s: %v", h.Name, h.Err)
	}
	// The rest still runs.
	client, server := loopbackPair(t)
	client.Close()
	server.Close()
	sport := port(server.LocalAddr())
	c.await(t, wire.TypeTCPState, "with DNS down", func(b []byte) bool {
		e, err := wire.ParseTCP(b)
		return err == nil && e.SrcPort == sport
	})
}

func TestDisabledTypesAreNotAttached(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeExit))
	for _, h := range p.Hooks() {
		assert.Equal(t, h.Type == wire.TypeExit, h.Attached, h.Name)
		assert.NoError(t, h.Err, h.Name)
	}
	// Reconfiguring at run time stays within the attached hooks.
	require.NoError(t, p.Reconfigure(configFor(wire.TypeExit, wire.TypeExec)))
	require.Error(t, p.Reconfigure(Config{RingSize: 3}))
}

func TestDNSHookOnBogusCgroupOnly(t *testing.T) {
	testkit.RequireRoot(t)
	cfg := configFor(wire.TypeDNS)
	cfg.CgroupPath = "/nonexistent/tapio-cgroup"
	_, err := Open(cfg)
	require.ErrorIs(t, err, ErrNoHooks)
	assert.ErrorContains(t, err, "/nonexistent/tapio-cgroup")
}
