package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Waits against real parts on a shared two-core machine: generous, while a
// passing run takes a fraction of them.
const (
	waitFor = 60 * time.Second
	tick    = 50 * time.Millisecond
)

// agent is a running otelcol-tapio and what its file exporter wrote.
type agent struct {
	cfg    loadgen.Config
	col    *loadgen.Collector
	reader *loadgen.FileReader

	mu   sync.Mutex
	seen []loadgen.Exported
}

// startAgent builds the distribution, runs it on cfg (which must have a
// file exporter: the test reads its output) and stops it when the test
// ends, checking that it shut down cleanly.
func startAgent(t *testing.T, cfg loadgen.Config) *agent {
	t.Helper()
	root, err := loadgen.ModuleRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	bin, err := loadgen.Build(ctx, root, dir)
	require.NoError(t, err)

	require.NotEmpty(t, cfg.FilePath, "the test reads what the file exporter writes")
	config := filepath.Join(dir, "collector.yaml")
	require.NoError(t, cfg.Write(config))
	col, err := loadgen.Start(bin, config, nil)
	require.NoError(t, err)
	a := &agent{cfg: cfg, col: col, reader: loadgen.NewFileReader(cfg.FilePath)}
	t.Cleanup(func() {
		require.NoError(t, col.Stop(), "collector log:\n%s", col.Output())
		require.Equal(t, 0, col.ExitCode(), "collector exit status; log:\n%s", col.Output())
	})
	ready, err := col.WaitReady(ctx, cfg.HealthURL())
	require.NoError(t, err)
	t.Logf("otelcol-tapio ready %s after start", ready)
	return a
}

// await waits until an exported record decodes into an event that match
// accepts, and returns that event.
func (a *agent) await(t *testing.T, what string, match func(*unifiedevent.Event) bool) *unifiedevent.Event {
	t.Helper()
	// found and pollErr are set in Eventually's goroutine, under a.mu.
	var found *unifiedevent.Event
	var pollErr error
	// assert, not require: on a miss the failure below names what was
	// missing and shows the collector's log.
	ok := assert.Eventually(t, func() bool {
		err := a.poll()
		a.mu.Lock()
		defer a.mu.Unlock()
		if err != nil {
			pollErr = err
			return true
		}
		for _, e := range a.seen {
			if e.Event != nil && match(e.Event) {
				found = e.Event
				return true
			}
		}
		return false
	}, waitFor, tick, "exported event %s", what)
	a.mu.Lock()
	n, err, ev := len(a.seen), pollErr, found
	a.mu.Unlock()
	require.NoError(t, err)
	if !ok || ev == nil {
		t.Fatalf("no exported event %s within %s (%d records exported); collector log:\n%s",
			what, waitFor, n, tail(a.col.Output(), 4000))
	}
	t.Logf("exported: %s: %s", ev.Name, ev.Message)
	return ev
}

// all returns every exported event match accepts, read so far.
func (a *agent) all(t *testing.T, match func(*unifiedevent.Event) bool) []*unifiedevent.Event {
	t.Helper()
	require.NoError(t, a.poll())
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*unifiedevent.Event
	for _, e := range a.seen {
		if e.Event != nil && match(e.Event) {
			out = append(out, e.Event)
		}
	}
	return out
}

// undecoded lists the exported records that are not UnifiedEvents or
// carry a decode error: the pipeline must decode everything its receivers
// read.
func (a *agent) undecoded(t *testing.T) []string {
	t.Helper()
	require.NoError(t, a.poll())
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, e := range a.seen {
		if e.Err != nil {
			out = append(out, fmt.Sprintf("%v: %s", e.Err, e.Record.Body().AsString()))
			continue
		}
		if v, ok := e.Record.Attributes().Get("tapio.decode.error"); ok {
			out = append(out, fmt.Sprintf("%s (%s): %s", e.Event.Name, e.Event.RawKind, v.AsString()))
		}
	}
	return out
}

// poll reads what the exporter wrote since the last poll. It runs in
// Eventually's goroutine, so it reports instead of failing the test.
func (a *agent) poll() error {
	got, err := a.reader.Next()
	a.mu.Lock()
	a.seen = append(a.seen, got...)
	a.mu.Unlock()
	if err != nil {
		return err
	}
	if a.col.Exited() {
		return fmt.Errorf("collector exited; log:\n%s", a.col.Output())
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[strings.IndexByte(s[len(s)-n:], '\n')+len(s)-n+1:]
}
