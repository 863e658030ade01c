package correlationconnector

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// core is the one engine behind every output of one connector: the
// collector makes a logs->logs, a logs->traces and a logs->metrics
// instance of a connector used in all three kinds of pipeline, and feeds
// each the same batches (every logs pipeline exporting to the connector
// reaches all of them). One engine per instance did the same work three
// times and held every incident three times; here one instance, the
// feeder, runs the engine and sends each transition to every output, and
// the others' input is the same batch again and is skipped.
type core struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	id        component.ID
	storageID *component.ID
	store     storage.Client

	// out holds every registered output; set while instances are made,
	// before any input.
	out output

	mu  sync.Mutex
	eng *engine.Engine
	// reader decodes the records a rule wants into one reused Event: the
	// engine keeps strings and values from it, never the Event, so a
	// batch costs no Event tree per record.
	reader unifiedevent.Reader
	// marks is the room feed notes a batch's members in, reused from
	// batch to batch under mu.
	marks []pendingMark
	// lastInput is the wall time of the last batch; when input stops the
	// engine's event clock is moved on by the wall time since.
	lastInput time.Time

	// life counts the instances not shut down and the started ones, under
	// cores' lock: the first Start restores and starts the idle clock, the
	// last Shutdown stops it and saves.
	life, started int
	stop, done    chan struct{}
	// tick is idleCheck, shorter in tests.
	tick time.Duration
	// every is the checkpoint interval (0: none); dirty says the state
	// changed since the last one, under mu.
	every time.Duration
	dirty bool
	// checkpoints counts the checkpoints written, for tests.
	checkpoints atomic.Int64
}

// idleCheck is how often a quiet input is checked for incidents to close.
const idleCheck = 5 * time.Second

// feeder is the output kind whose instance runs the engine: logs when
// present, since only that output marks the records it passes on.
func (c *core) feeder() signal {
	switch {
	case c.out.logs != nil:
		return signalLogs
	case c.out.traces != nil:
		return signalTraces
	}
	return signalMetrics
}

// closeIdle closes incidents when the input goes quiet, which the event
// clock alone would never notice.
func (c *core) closeIdle(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(c.tick)
	defer t.Stop()
	var save <-chan time.Time
	if c.every > 0 && c.store != nil {
		ct := time.NewTicker(c.every)
		defer ct.Stop()
		save = ct.C
	}
	for {
		select {
		case <-stop:
			return
		case <-save:
			c.checkpoint(context.Background())
		case now := <-t.C:
			c.mu.Lock()
			idle := now.Sub(c.lastInput)
			quiet := !c.lastInput.IsZero() && idle >= c.tick
			to := c.eng.Watermark().Add(idle)
			if quiet {
				c.lastInput = now
			}
			c.mu.Unlock()
			if quiet {
				c.advance(context.Background(), to)
			}
		}
	}
}

// advance moves the event clock to and reports what closed.
func (c *core) advance(ctx context.Context, to time.Time) {
	c.mu.Lock()
	c.eng.Advance(to)
	c.dirty = true
	trs, counts := c.eng.Drain()
	send := c.build(plog.NewLogs(), nil, trs)
	c.mu.Unlock()
	c.report(ctx, counts)
	if err := send(ctx); err != nil {
		c.logger.Warn("emit closed incidents", zap.Error(err))
	}
}

func (c *core) consume(ctx context.Context, ld plog.Logs) error {
	c.mu.Lock()
	marks, malformed := c.feed(ld)
	c.lastInput = time.Now()
	c.dirty = true
	trs, counts := c.eng.Drain()
	send := c.build(ld, marks, trs)
	c.mu.Unlock()
	if malformed > 0 {
		c.telemetry.TapioCorrelationEventsUncorrelated.Add(ctx, int64(malformed), metric.WithAttributes(attribute.String("reason", "malformed")))
	}
	c.report(ctx, counts)
	return send(ctx)
}

// feed runs every record a rule may want through the engine; it returns
// the marks the batch's members get and how many records could not be
// read as UnifiedEvents. It only reads the batch.
func (c *core) feed(ld plog.Logs) (marks []pendingMark, malformed int) {
	marks = c.marks[:0]
	correlated := map[string]int64{}
	for ri, rl := range ld.ResourceLogs().All() {
		node := resourceNode(rl)
		// The pod enrichment found is on the Resource, one per pod: the
		// reader merges it into each record's body, reading it once.
		c.reader.Resource(rl.Resource())
		for si, sl := range rl.ScopeLogs().All() {
			for li, lr := range sl.LogRecords().All() {
				name := recordName(lr)
				if name == unifiedevent.NameIncident || !c.eng.Wants(name, lr.SeverityNumber(), !lr.TraceID().IsEmpty()) {
					continue
				}
				ev, err := c.reader.Read(lr)
				if err != nil {
					malformed++
					continue
				}
				ann, ok := c.eng.Process(engine.Input{Event: ev, Node: node, TraceID: lr.TraceID()})
				if !ok {
					continue
				}
				correlated[ann.Incident.Rule.Name()]++
				if c.out.logs != nil {
					marks = append(marks, markOf(recordAt{ri, si, li}, lr, ann))
				}
			}
		}
	}
	for rule, n := range correlated {
		c.telemetry.TapioCorrelationEventsCorrelated.Add(context.Background(), n, metric.WithAttributes(attribute.String("rule", rule)))
	}
	c.marks = marks
	return marks, malformed
}

// build makes every output's share, under the lock since transitions
// point at live incidents: the input, marked when it has members (a copy:
// the input is shared with the pipeline's other exporters), and the
// incident records after it; the incident spans; the incident counts. The
// returned func sends them.
func (c *core) build(ld plog.Logs, marks []pendingMark, trs []engine.Transition) func(context.Context) error {
	var sends []func(context.Context) error
	if c.out.logs != nil {
		if len(marks) > 0 {
			ld = markedCopy(ld, marks)
		}
		if ld.LogRecordCount() > 0 {
			sends = append(sends, func(ctx context.Context) error { return c.out.logs.ConsumeLogs(ctx, ld) })
		}
		if len(trs) > 0 {
			incidents := plog.NewLogs()
			appendIncidents(incidents, trs)
			sends = append(sends, func(ctx context.Context) error { return c.out.logs.ConsumeLogs(ctx, incidents) })
		}
	}
	if c.out.traces != nil {
		if td := incidentTraces(trs); td.SpanCount() > 0 {
			sends = append(sends, func(ctx context.Context) error { return c.out.traces.ConsumeTraces(ctx, td) })
		}
	}
	if c.out.metrics != nil {
		if md := incidentMetrics(trs, c.eng.OpenByRule()); md.DataPointCount() > 0 {
			sends = append(sends, func(ctx context.Context) error { return c.out.metrics.ConsumeMetrics(ctx, md) })
		}
	}
	return func(ctx context.Context) error {
		var errs []error
		for _, send := range sends {
			errs = append(errs, send(ctx))
		}
		return errors.Join(errs...)
	}
}

func (c *core) report(ctx context.Context, n engine.Counters) {
	t := c.telemetry
	reason := func(r string) metric.AddOption { return metric.WithAttributes(attribute.String("reason", r)) }
	add := func(ctr metric.Int64Counter, v int, opt metric.AddOption) {
		if v > 0 {
			ctr.Add(ctx, int64(v), opt)
		}
	}
	add(t.TapioCorrelationEventsUncorrelated, n.Late, reason("late"))
	add(t.TapioCorrelationEventsUncorrelated, n.NoTime, reason("no_time"))
	add(t.TapioCorrelationEventsUncorrelated, n.Duplicate, reason("duplicate"))
	kind := func(k string) metric.AddOption { return metric.WithAttributes(attribute.String("kind", k)) }
	add(t.TapioCorrelationIncidentsEvicted, n.EvictedOpen, kind("open"))
	add(t.TapioCorrelationIncidentsEvicted, n.EvictedCandidates, kind("candidate"))
	if n.MembersDropped > 0 {
		t.TapioCorrelationMembersDropped.Add(ctx, int64(n.MembersDropped))
	}
	state := func(s string) metric.AddOption { return metric.WithAttributes(attribute.String("state", s)) }
	add(t.TapioCorrelationIncidents, n.Opened, state(unifiedevent.IncidentOpened))
	add(t.TapioCorrelationIncidents, n.Closed, state(unifiedevent.IncidentClosed))
}
