package testkit

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// RefusingSink is a next consumer that pushes back, as memory_limiter or
// a full exporter queue does: it refuses calls with Err, at most Limit of
// them (0: no limit), until Accept is closed, and keeps what it takes in
// its LogsSink. Before refusing a batch it rewrites every body in place,
// as tapio_unified decodes records before a later stage refuses them, so a
// receiver that hands the same batch on again delivers the rewrite, and a
// test that looks for the raw bodies fails.
type RefusingSink struct {
	consumertest.LogsSink
	Err     error
	Limit   int64
	Accept  chan struct{}
	Refused atomic.Int64
}

// RewrittenBody is what RefusingSink writes into every body it refuses.
const RewrittenBody = "decoded in place"

func (s *RefusingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	select {
	case <-s.Accept:
	default:
		if s.Limit == 0 || s.Refused.Load() < s.Limit {
			s.Refused.Add(1)
			for _, lr := range LogRecords(ld) {
				lr.Body().SetStr(RewrittenBody)
			}
			return s.Err
		}
	}
	return s.LogsSink.ConsumeLogs(ctx, ld)
}
