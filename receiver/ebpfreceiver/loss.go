package ebpfreceiver

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
)

// lossLedger turns the kernel's cumulative per-type counters into the
// deltas of one reporting window.
type lossLedger struct {
	lost, shed [wire.TypeMax]uint64
	since      time.Time
}

// advance records the counters read at now and returns what changed since
// the previous reading, as loss payloads. Counters only grow; one that went
// down (a reloaded program) restarts from its new value rather than
// reporting a wrapped, absurd delta.
func (l *lossLedger) advance(lost, shed [wire.TypeMax]uint64, now time.Time) []rawrecord.Loss {
	var out []rawrecord.Loss
	report := func(prev *[wire.TypeMax]uint64, cur [wire.TypeMax]uint64, reason string) {
		for t := wire.Type(1); t < wire.TypeMax; t++ {
			if cur[t] > prev[t] {
				out = append(out, rawrecord.Loss{
					Kind: wire.Kind(t), Reason: reason, Count: cur[t] - prev[t],
					Since: l.since, Until: now,
				})
			}
			prev[t] = cur[t]
		}
	}
	report(&l.lost, lost, rawrecord.LossRingBufferFull)
	report(&l.shed, shed, rawrecord.LossRateLimited)
	l.since = now
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
	lost, err := r.probe.LostCounts()
	if err != nil {
		r.set.Logger.Warn("cannot read the kernel's loss counters", zap.Error(err))
		return
	}
	shed, err := r.probe.ShedCounts()
	if err != nil {
		r.set.Logger.Warn("cannot read the kernel's rate-limit counters", zap.Error(err))
		return
	}
	losses := ledger.advance(lost, shed, now)
	if len(losses) == 0 {
		return
	}
	batch := r.emitter.NewBatch()
	for _, l := range losses {
		kindAttr := r.kindAttrs[typeOfKind(l.Kind)]
		if l.Reason == rawrecord.LossRateLimited {
			r.telemetry.TapioEbpfEventsShed.Add(ctx, int64(l.Count), kindAttr)
		} else {
			r.telemetry.TapioEbpfEventsLost.Add(ctx, int64(l.Count), kindAttr)
		}
		if err := batch.AppendLoss(l); err != nil {
			r.set.Logger.Error("cannot encode a loss record", zap.Error(err))
		}
	}
	r.set.Logger.Warn("kernel events were not delivered", zap.Any("losses", losses))
	if err := r.next.ConsumeLogs(context.Background(), batch.Logs()); err != nil {
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
