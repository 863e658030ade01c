package cnireceiver

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// refuser refuses the first n batches with err, then passes to collector.
type refuser struct {
	*collector
	n   atomic.Int32
	err error
}

func (r *refuser) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if r.n.Add(-1) >= 0 {
		return r.err
	}
	return r.collector.ConsumeLogs(ctx, ld)
}

// Backpressure (a retryable refusal, as from memory_limiter) pauses the
// file: nothing is lost or repeated.
func TestRefusedBatchIsRetried(t *testing.T) {
	dir := t.TempDir()
	r := &refuser{collector: &collector{t: t}, err: errors.New("data refused due to high memory usage")}
	r.n.Store(3)
	startReceiver(t, testConfig(dir), r, nil)
	appendLines(t, filepath.Join(dir, "cni.log"), lines("a", 0, 10)...)
	r.waitFor(t, lines("a", 0, 10))
	r.settled(t, 10)
}

// A permanent refusal cannot be retried: the entries are counted as lost and
// the next batch carries a loss record saying so.
func TestPermanentRefusalIsReportedAsLoss(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	r := &refuser{collector: &collector{t: t}, err: consumererror.NewPermanent(errors.New("bad data"))}
	r.n.Store(1)
	startReceiver(t, testConfig(dir), r, nil)
	appendLines(t, path, lines("lost", 0, 5)...)
	require.Eventually(t, func() bool { return r.n.Load() <= 0 }, eventually, time.Millisecond)
	appendLines(t, path, lines("kept", 0, 2)...)
	r.waitFor(t, lines("kept", 0, 2))

	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.losses, 1)
	l := r.losses[0]
	assert.Equal(t, "cni.line", l.Kind)
	assert.Equal(t, "consumer_rejected", l.Reason)
	assert.Equal(t, uint64(5), l.Count)
	assert.False(t, l.Until.Before(l.Since))
}
