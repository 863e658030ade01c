package ebpf

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/testkit"
)

// TestMain doubles as the OOM test's child: re-executed with
// tapioOOMHelperEnv set, the binary joins that memory cgroup and allocates
// until the kernel kills it.
func TestMain(m *testing.M) {
	if dir := os.Getenv(tapioOOMHelperEnv); dir != "" {
		os.Exit(oomHelper(dir))
	}
	goleak.VerifyTestMain(m)
}

// openProbe opens a probe for a kernel test. Without root it fails (see
// testkit); on a kernel that cannot run tp_btf programs at all it skips,
// the one documented case.
func openProbe(t testing.TB, cfg Config) *Probe {
	t.Helper()
	testkit.RequireRoot(t)
	if err := CheckSupport(); err != nil {
		t.Skipf("this kernel cannot run tp_btf programs: %v", err)
	}
	p, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

// collector keeps a copy of every sample read, for tests to search.
type collector struct {
	mu      sync.Mutex
	samples [][]byte
	done    chan struct{}
}

// collect reads p until it is closed; the cleanup closes p and waits, so no
// goroutine outlives the test.
func collect(t testing.TB, p *Probe) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		var rec Record
		for {
			if err := p.Reader().ReadInto(&rec); err != nil {
				if errors.Is(err, ErrClosed) {
					return
				}
				continue
			}
			s := append([]byte(nil), rec.RawSample...)
			c.mu.Lock()
			c.samples = append(c.samples, s)
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = p.Close()
		<-c.done
	})
	return c
}

// find returns the first sample of type typ that match accepts.
func (c *collector) find(typ wire.Type, match func([]byte) bool) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.samples {
		h, err := wire.ParseHeader(s)
		if err == nil && h.Type == typ && match(s) {
			return s
		}
	}
	return nil
}

// await waits for a sample of type typ that match accepts.
func (c *collector) await(t testing.TB, typ wire.Type, what string, match func([]byte) bool) []byte {
	t.Helper()
	var got []byte
	require.Eventually(t, func() bool {
		got = c.find(typ, match)
		return got != nil
	}, 10*time.Second, 10*time.Millisecond, "no %s event: %s", typ, what)
	return got
}

func configFor(types ...wire.Type) Config {
	cfg := DefaultConfig()
	cfg.Types = types
	cfg.RatePerSec = 0
	cfg.ArgvBytes = MaxArgvBytes
	return cfg
}
