package unifiedeventexporter

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of the crashing collector child process.
const (
	crashDirEnv  = "TAPIO_UEE_CRASH_DIR"
	crashURLEnv  = "TAPIO_UEE_CRASH_URL"
	crashBatches = 10
	crashPer     = 20
)

// TestPersistentQueueCrashResendsOnlyTheBatchInFlight kills a collector
// (SIGKILL, no shutdown) while the backend holds a batch it has stored but
// not answered. The collector started next on the same storage sends that
// batch again, under the same ids, and every queued batch once; the batches
// answered before the crash are not sent again.
func TestPersistentQueueCrashResendsOnlyTheBatchInFlight(t *testing.T) {
	dir := t.TempDir()
	srv := newEventServer(t, func(n int64) action {
		switch {
		case n <= 3:
			return accept
		case n == 4:
			return acceptThenStall
		default:
			return fail
		}
	})

	child := exec.Command(os.Args[0], "-test.run=^TestHelperCrashingCollector$", "-test.timeout=2m")
	child.Env = append(os.Environ(), crashDirEnv+"="+dir, crashURLEnv+"="+srv.srv.URL)
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	// All batches are in the queue's storage and the fourth is held.
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "enqueued"))
		return err == nil && srv.stalled.Load() >= 1
	}, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	requireExactlyOnce(t, srv.snapshot(), 0, 4*crashPer)

	srv.setPlan(func(int64) action { return accept })
	next := startCollector(t, dir, srv.srv.URL)
	// The re-queued batch goes to the back of the queue: wait for it, not
	// just for every id.
	resent := testEvent(3 * crashPer).ID
	require.Eventually(t, func() bool {
		return srv.seenAll(0, crashBatches*crashPer) && srv.snapshot()[resent] == 2
	}, 10*time.Second, 5*time.Millisecond)
	next.stop(t)

	counts := srv.snapshot()
	require.Len(t, counts, crashBatches*crashPer, "nothing lost")
	for i := 0; i < crashBatches*crashPer; i++ {
		want := 1
		if i/crashPer == 3 {
			want = 2 // the batch in flight at the crash
		}
		assert.Equal(t, want, counts[testEvent(i).ID], "event %d", i)
	}
}

// TestHelperCrashingCollector is the collector the crash test kills. It
// does nothing unless that test started it.
func TestHelperCrashingCollector(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the child process of TestPersistentQueueCrashResendsOnlyTheBatchInFlight")
	}
	c := startCollector(t, dir, os.Getenv(crashURLEnv))
	for b := 0; b < crashBatches; b++ {
		require.NoError(t, c.exp.ConsumeLogs(t.Context(), testLogs(b*crashPer, crashPer)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "enqueued"), nil, 0o600))
	// Wait to be killed; the test timeout ends an orphan.
	<-t.Context().Done()
}
