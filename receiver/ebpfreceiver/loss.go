package ebpfreceiver

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
)

// lossLedger turns the kernel's cumulative per-type counters into the
// deltas of one reporting window.
type lossLedger struct {
	prev  counts
	since time.Time
}

// counts are the cumulative counters at one reading: the kernel's, and
// the receiver's own of samples the next consumer refused for good.
type counts struct {
	lost, shed, reserved, dropped [wire.TypeMax]uint64
}

// advance records the counters read at now and returns what changed since
// the previous reading: the losses, as loss payloads, and the samples the
// reserve ring kept, which were read and are no loss.
func (l *lossLedger) advance(c counts, now time.Time) (losses []rawrecord.Loss, reserved [wire.TypeMax]uint64) {
	report := func(prev *[wire.TypeMax]uint64, cur [wire.TypeMax]uint64, reason string) {
		for t, n := range delta(prev, cur) {
			if n > 0 {
				losses = append(losses, rawrecord.Loss{
					Kind: wire.Kind(wire.Type(t)), Reason: reason, Count: n,
					Since: l.since, Until: now,
				})
			}
		}
	}
	report(&l.prev.lost, c.lost, rawrecord.LossRingBufferFull)
	report(&l.prev.shed, c.shed, rawrecord.LossRateLimited)
	report(&l.prev.dropped, c.dropped, rawrecord.LossConsumerRejected)
	reserved = delta(&l.prev.reserved, c.reserved)
	l.since = now
	return losses, reserved
}

// delta returns how much each counter grew since prev and moves prev to
// cur. Counters only grow; one that went down (a reloaded program)
// restarts from its new value rather than reporting a wrapped, absurd
// delta. Type 0 is no type and is never reported.
func delta(prev *[wire.TypeMax]uint64, cur [wire.TypeMax]uint64) [wire.TypeMax]uint64 {
	var out [wire.TypeMax]uint64
	for t := wire.Type(1); t < wire.TypeMax; t++ {
		if cur[t] > prev[t] {
			out[t] = cur[t] - prev[t]
		}
		prev[t] = cur[t]
	}
	return out
}

// lossLoop reads the loss counters every interval and reports what moved:
// as metrics, and in-stream as loss records, so whoever reads the data
// knows where it has holes.
func (r *ebpfReceiver) lossLoop(ctx context.Context) {
	ledger := lossLedger{since: time.Now()}
	ticker := time.NewTicker(r.cfg.LossReportInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			r.reportLoss(ctx, &ledger, now)
		}
	}
}

func (r *ebpfReceiver) reportLoss(ctx context.Context, ledger *lossLedger, now time.Time) {
	var c counts
	var err error
	warn := func(what string) {
		// Closed: Shutdown closed the probe under a report in flight.
		if !errors.Is(err, ebpf.ErrClosed) {
			r.set.Logger.Warn("cannot read the kernel's "+what, zap.Error(err))
		}
	}
	if c.lost, err = r.probe.LostCounts(); err != nil {
		warn("loss counters")
		return
	}
	if c.shed, err = r.probe.ShedCounts(); err != nil {
		warn("rate-limit counters")
		return
	}
	if c.reserved, err = r.probe.ReservedCounts(); err != nil {
		warn("reserve ring counters")
		return
	}
	for t := range c.dropped {
		c.dropped[t] = r.dropped[t].Load()
	}
	losses, reserved := ledger.advance(c, now)
	for t, n := range reserved {
		if n > 0 {
			r.telemetry.TapioEbpfEventsReserved.Add(ctx, int64(n), r.kindAttrs[t])
		}
	}
	if len(losses) == 0 {
		return
	}
	for _, l := range losses {
		kindAttr := r.kindAttrs[typeOfKind(l.Kind)]
		switch l.Reason {
		case rawrecord.LossRateLimited:
			r.telemetry.TapioEbpfEventsShed.Add(ctx, int64(l.Count), kindAttr)
		case rawrecord.LossRingBufferFull:
			r.telemetry.TapioEbpfEventsLost.Add(ctx, int64(l.Count), kindAttr)
		}
		// Dropped samples were counted when they were dropped.
	}
	r.set.Logger.Warn("kernel events were not delivered", zap.Any("losses", losses))
	// A new batch for every try, as for the samples.
	build := func() plog.Logs {
		batch := r.emitter.NewBatch()
		for _, l := range losses {
			if err := batch.AppendLoss(l); err != nil {
				r.set.Logger.Error("cannot encode a loss record", zap.Error(err))
			}
		}
		return batch.Logs()
	}
	if err := retry.Deliver(ctx, r.next, build, nil); err != nil {
		r.set.Logger.Error("next consumer refused loss records", zap.Error(err))
	}
}

func typeOfKind(kind string) wire.Type {
	for t := wire.Type(1); t < wire.TypeMax; t++ {
		if wire.Kind(t) == kind {
			return t
		}
	}
	return wire.TypeMax
}
