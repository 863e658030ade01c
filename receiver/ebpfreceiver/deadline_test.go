package ebpfreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A batch waits max_batch_delay after its first record, and batches are
// handed on at least read_interval + max_batch_delay apart, whatever woke
// the reader; the worst wait stays read_interval + max_batch_delay.
func TestBatchDeadlineSpacesHandOffs(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ReadInterval, cfg.MaxBatchDelay = 4*time.Millisecond, 2*time.Millisecond
	r := &ebpfReceiver{cfg: cfg}
	t0 := time.Unix(1000, 0)

	assert.Equal(t, t0.Add(2*time.Millisecond), r.batchDeadline(t0, time.Time{}), "first batch ever")
	assert.Equal(t, t0.Add(2*time.Millisecond), r.batchDeadline(t0, t0.Add(-time.Second)), "after a quiet spell")
	assert.Equal(t, t0.Add(6*time.Millisecond), r.batchDeadline(t0.Add(500*time.Microsecond), t0),
		"a record read just after a hand-off waits for the spacing")
	assert.Equal(t, t0.Add(6*time.Millisecond), r.batchDeadline(t0.Add(4*time.Millisecond), t0),
		"a batched reader's next look: the spacing and the delay agree")
	assert.Equal(t, t0.Add(7*time.Millisecond), r.batchDeadline(t0.Add(5*time.Millisecond), t0), "past the spacing")
}
