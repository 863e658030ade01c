package rawrecord

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Backoff is how long a receiver waits before handing a refused batch on
// again: Min after the first refusal, doubling up to Max.
type Backoff struct {
	Min, Max time.Duration
}

// Deliver hands next the logs build makes, and calls build again for each
// retry after a refusal that is not permanent: backpressure, such as
// memory_limiter refusing data while the collector is short of memory. A
// retry needs the batch as it was read, since the pipeline owns what it is
// handed and may have changed it before a later stage refused it. A
// receiver whose source can hold what it has not read yet (a ring buffer,
// a file) then stops reading, and the source keeps or counts what comes
// meanwhile, instead of the receiver dropping what it already read.
//
// It returns nil once next accepts, else the refusal that ends the
// retries: a permanent one, or the one standing when ctx ends. Each try
// runs without ctx, so a batch in flight when the receiver stops is still
// delivered; ctx only ends the waiting. onRefused, when set, is told each
// refusal that will be retried and the wait before the next try.
func (b Backoff) Deliver(ctx context.Context, next consumer.Logs, build func() plog.Logs, onRefused func(err error, wait time.Duration)) error {
	wait := b.Min
	for {
		err := next.ConsumeLogs(context.Background(), build())
		if err == nil || consumererror.IsPermanent(err) || ctx.Err() != nil {
			return err
		}
		if onRefused != nil {
			onRefused(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(wait*2, b.Max)
	}
}
