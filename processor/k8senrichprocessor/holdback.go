package k8senrichprocessor

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/yairfalse/tapio/internal/tally"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

// heldBatch is records waiting for their pod, in their own plog.Logs with
// copies of their resource and scope.
type heldBatch struct {
	logs     plog.Logs
	pending  int
	since    time.Time
	deadline time.Time
}

// holdBack is the bounded queue of held batches, oldest first.
type holdBack struct {
	max int

	mu      sync.Mutex
	batches []*heldBatch
	count   int
}

func newHoldBack(max int) *holdBack { return &holdBack{max: max} }

// add queues a batch of n pending records and returns the batches that
// must go on at once to stay within max: the oldest, or the new batch
// itself when it alone is larger than max.
func (h *holdBack) add(logs plog.Logs, n int, now, deadline time.Time) []*heldBatch {
	b := &heldBatch{logs: logs, pending: n, since: now, deadline: deadline}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n > h.max {
		return []*heldBatch{b}
	}
	var evicted []*heldBatch
	for h.count+n > h.max && len(h.batches) > 0 {
		evicted = append(evicted, h.batches[0])
		h.count -= h.batches[0].pending
		h.batches = h.batches[1:]
	}
	h.batches = append(h.batches, b)
	h.count += n
	return evicted
}

func (h *holdBack) takeAll() []*heldBatch {
	h.mu.Lock()
	defer h.mu.Unlock()
	all := h.batches
	h.batches, h.count = nil, 0
	return all
}

func (h *holdBack) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// retryHeld resolves what it can of the held records, marking them late,
// and sends on the batches that are complete or past their deadline.
func (p *enrichProcessor) retryHeld(ctx context.Context) {
	now := p.now()
	var t outcomeCounts
	h := p.hold
	h.mu.Lock()
	var due []*heldBatch
	kept := h.batches[:0]
	for _, b := range h.batches {
		if n := p.retryBatch(ctx, b, now, &t); n > 0 {
			b.pending -= n
			h.count -= n
		}
		if b.pending == 0 || !now.Before(b.deadline) {
			h.count -= b.pending
			due = append(due, b)
			continue
		}
		kept = append(kept, b)
	}
	clear(h.batches[len(kept):])
	h.batches = kept
	held := h.count
	h.mu.Unlock()
	t.record(ctx, p.telemetry)
	if len(due) > 0 {
		p.telemetry.TapioK8sEnrichRecordsHeld.Record(ctx, int64(held))
		if err := p.release(ctx, due, ""); err != nil {
			p.logger.Warn("next consumer refused records released from the hold-back")
		}
	}
}

// retryBatch enriches the records of b whose pod is now known, moving
// them under their pod's Resource within b, and returns how many it
// resolved.
func (p *enrichProcessor) retryBatch(ctx context.Context, b *heldBatch, now time.Time, t *outcomeCounts) int {
	n := 0
	lag := float64(now.Sub(b.since)) / float64(time.Millisecond)
	newRegroup(b.logs, p.cache).walk(func(lr plog.LogRecord) place {
		if _, done := lr.Attributes().Get(AttrEnrichmentStatus); done {
			return place{}
		}
		o, at := p.enrich(lr, now, true, true)
		if o.status == "" {
			return place{}
		}
		n++
		t.add(o)
		p.telemetry.TapioK8sEnrichHoldLag.Record(ctx, lag)
		return at
	})
	return n
}

// release sends batches on, first giving each still-pending record its
// last chance and otherwise marking it miss. A non-empty reason (the
// queue was full, shutdown) replaces the record's own in the metric.
func (p *enrichProcessor) release(ctx context.Context, batches []*heldBatch, reason string) error {
	if len(batches) == 0 {
		return nil
	}
	now := p.now()
	var t outcomeCounts
	var errs []error
	for _, b := range batches {
		newRegroup(b.logs, p.cache).walk(func(lr plog.LogRecord) place {
			if _, done := lr.Attributes().Get(AttrEnrichmentStatus); done {
				return place{}
			}
			o, at := p.enrich(lr, now, true, false)
			if o.status == StatusMiss && reason != "" {
				o.reason = reason
			}
			t.add(o)
			return at
		})
		if err := p.next.ConsumeLogs(ctx, b.logs); err != nil {
			errs = append(errs, err)
		}
	}
	t.record(ctx, p.telemetry)
	return errors.Join(errs...)
}

func forEach(ld plog.Logs, f func(plog.LogRecord)) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}

// outcomeCounts counts a batch's outcomes, each recorded once per batch.
type outcomeCounts struct{ tally.Counts[outcome] }

// add counts o; an outcome without a status (a record held back) is not
// one yet.
func (t *outcomeCounts) add(o outcome) {
	if o.status != "" {
		t.Add(o)
	}
}

func (t *outcomeCounts) record(ctx context.Context, tb *metadata.TelemetryBuilder) {
	for _, c := range t.All() {
		o, n := c.Key, c.N
		attrs := []attribute.KeyValue{attribute.String("status", o.status)}
		if o.reason != "" {
			attrs = append(attrs, attribute.String("reason", o.reason))
		}
		tb.TapioK8sEnrichRecords.Add(ctx, n, metric.WithAttributes(attrs...))
	}
}
