package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A paced run does what was due, no more, and every operation is
// accounted for as done, failed or behind.
func TestDriveHoldsTheRate(t *testing.T) {
	d := 500 * time.Millisecond
	got := Drive(t.Context(), "count", 2000, 2, d, func(int, uint64) error { return nil })
	assert.Equal(t, got.Issued, got.Done+got.Failed+got.Behind)
	assert.Zero(t, got.Failed)
	// The schedule for 0.5 s at 2,000/s is 1,000 operations; the last
	// millisecond tick may or may not land before the deadline.
	assert.InDelta(t, 1000, float64(got.Issued), 20)
	assert.GreaterOrEqual(t, got.Elapsed, d)
}

// Operations that cannot keep up are counted as behind, not queued for
// ever, and the run still ends on time.
func TestDriveCountsWhatFallsBehind(t *testing.T) {
	got := Drive(t.Context(), "slow", 1000, 1, 300*time.Millisecond, func(int, uint64) error {
		time.Sleep(10 * time.Millisecond) // the op's own cost: at most 100/s
		return nil
	})
	assert.Positive(t, got.Behind)
	assert.Less(t, got.Done, uint64(60))
	assert.Equal(t, got.Issued, got.Done+got.Failed+got.Behind)
	assert.Less(t, got.Elapsed, time.Second)
}

func TestDriveKeepsTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	got := Drive(context.Background(), "fail", 500, 2, 100*time.Millisecond, func(int, uint64) error { return boom })
	assert.Positive(t, got.Failed)
	assert.Zero(t, got.Done)
	assert.ErrorIs(t, got.FirstErr, boom)
}
