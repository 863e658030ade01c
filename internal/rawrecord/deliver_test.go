package rawrecord

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

var errPushBack = errors.New("data refused due to high memory usage")

// refuser refuses the first n calls with err, then accepts.
func refuser(n int, err error, calls *int) consumer.Logs {
	c, _ := consumer.NewLogs(func(context.Context, plog.Logs) error {
		*calls++
		if *calls <= n {
			return err
		}
		return nil
	})
	return c
}

func TestDeliverRetriesBackpressureWithGrowingWaits(t *testing.T) {
	b := Backoff{Min: time.Millisecond, Max: 4 * time.Millisecond}
	calls := 0
	var waits []time.Duration
	err := b.Deliver(t.Context(), refuser(4, errPushBack, &calls), plog.NewLogs, func(err error, wait time.Duration) {
		assert.ErrorIs(t, err, errPushBack)
		waits = append(waits, wait)
	})
	require.NoError(t, err)
	assert.Equal(t, 5, calls, "four refusals, then the batch was taken")
	assert.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond}, waits, "doubling, capped at Max")
}

func TestDeliverGivesUpOnAPermanentRefusal(t *testing.T) {
	calls := 0
	permanent := consumererror.NewPermanent(errors.New("malformed"))
	err := Backoff{Min: time.Millisecond, Max: time.Millisecond}.Deliver(t.Context(), refuser(10, permanent, &calls), plog.NewLogs, func(error, time.Duration) {
		t.Error("a permanent refusal is not retried")
	})
	assert.ErrorIs(t, err, permanent)
	assert.Equal(t, 1, calls)
}

// A receiver that stops ends the waiting: the refusal standing then is
// returned, for the caller to count what it drops.
func TestDeliverStopsWaitingWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := Backoff{Min: time.Hour, Max: time.Hour}.Deliver(ctx, refuser(10, errPushBack, &calls), plog.NewLogs, func(error, time.Duration) {
		cancel()
	})
	assert.ErrorIs(t, err, errPushBack)
	assert.Equal(t, 1, calls)

	// Already stopped: one try, no wait.
	calls = 0
	err = Backoff{Min: time.Hour, Max: time.Hour}.Deliver(ctx, refuser(10, errPushBack, &calls), plog.NewLogs, nil)
	assert.ErrorIs(t, err, errPushBack)
	assert.Equal(t, 1, calls)
	calls = 0
	require.NoError(t, Backoff{Min: time.Hour, Max: time.Hour}.Deliver(ctx, refuser(0, nil, &calls), plog.NewLogs, nil),
		"a stopped receiver still hands on what it read")
}

// Every try gets a batch of its own from build: the one a stage changed
// before refusing it is never handed on again.
func TestDeliverBuildsEachTryAfresh(t *testing.T) {
	var handed []plog.Logs
	c, err := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		handed = append(handed, ld)
		ld.ResourceLogs().AppendEmpty() // a stage changing what it was handed
		if len(handed) < 3 {
			return errPushBack
		}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, Backoff{Min: time.Millisecond, Max: time.Millisecond}.Deliver(t.Context(), c, plog.NewLogs, nil))
	require.Len(t, handed, 3)
	for i, ld := range handed {
		assert.Equal(t, 1, ld.ResourceLogs().Len(), "try %d got a fresh batch", i)
	}
}
