package cnireceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// Retries of a refused batch back off from minRetry to maxRetry: a file
// waits on disk, so pausing the read is the right answer to backpressure.
const (
	minRetry = 50 * time.Millisecond
	maxRetry = 5 * time.Second
)

// deliver hands a batch downstream, retrying while the consumer pushes
// back. It never returns before the batch is either delivered, refused for
// good (counted, and reported in a loss record), or abandoned because the
// receiver is stopping.
//
// The file consumer advances a file's offset past a batch when this returns
// and its context is still live, whatever the error; when the context was
// cancelled it keeps the offset, and the batch is read again after a
// restart. So a batch must be delivered and acknowledged before Shutdown
// cancels: mu is held across ConsumeLogs and Shutdown takes it before
// stopping the file consumer. A batch that arrives once stopping is set is
// not delivered and waits for the cancellation, so that its offset stays
// put. The file consumer's API leaves one gap, closed by the ledger: a
// Shutdown landing between a delivered batch's return and the file
// consumer's check of its context; that batch is read again after the
// restart, and the ledger (resume.go) drops it.
func (r *cniReceiver) deliver(ctx context.Context, build func() (plog.Logs, batchStats), onDelivered func()) error {
	wait := minRetry
	for {
		r.mu.Lock()
		if r.stopping {
			r.mu.Unlock()
			<-ctx.Done()
			return ctx.Err()
		}
		logs, st := build()
		if st.entries == 0 {
			r.mu.Unlock()
			return nil
		}
		r.appendLoss(logs)
		err := r.next.ConsumeLogs(ctx, logs)
		if err == nil || consumererror.IsPermanent(err) {
			r.account(ctx, st, err)
			onDelivered()
			r.mu.Unlock()
			return nil
		}
		r.mu.Unlock()

		r.set.Logger.Warn("next consumer refused cni entries; retrying",
			zap.Int64("entries", st.entries), zap.Duration("backoff", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.stopped:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait = min(wait*2, maxRetry)
	}
}

// account updates the counters after a delivery; a permanent refusal
// becomes a loss to report with the next batch. Called with mu held.
func (r *cniReceiver) account(ctx context.Context, st batchStats, err error) {
	if err != nil {
		r.set.Logger.Error("next consumer refused cni entries for good; they are lost",
			zap.Int64("entries", st.entries), zap.Error(err))
		r.rejected.Add(int(st.entries))
		r.telemetry.TapioCniEntriesDropped.Add(ctx, st.entries)
		return
	}
	r.rejected.Reported()
	r.telemetry.TapioCniEntriesRead.Add(ctx, st.entries)
	r.telemetry.TapioCniBytesRead.Add(ctx, st.bytes)
	if st.truncated > 0 {
		r.telemetry.TapioCniEntriesTruncated.Add(ctx, st.truncated)
	}
}

// appendLoss adds the pending loss record to a batch about to be sent. It
// is only cleared once that batch is accepted (account). Called with mu
// held.
func (r *cniReceiver) appendLoss(logs plog.Logs) {
	l, ok := r.rejected.Loss(kindLine)
	if !ok {
		return
	}
	b := r.emitter.NewBatch()
	if err := b.AppendLoss(l); err != nil {
		r.set.Logger.Error("build loss record", zap.Error(err))
		return
	}
	b.Logs().ResourceLogs().MoveAndAppendTo(logs.ResourceLogs())
}
