package correlationconnector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// output is the one next consumer a connector instance feeds.
type output struct {
	logs    consumer.Logs
	traces  consumer.Traces
	metrics consumer.Metrics
}

// idleCheck is how often a quiet input is checked for incidents to close.
const idleCheck = 5 * time.Second

type correlator struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	out       output
	id        component.ID
	storageID *component.ID
	store     storage.Client

	mu  sync.Mutex
	eng *engine.Engine
	// lastInput is the wall time of the last batch; when input stops the
	// engine's event clock is moved on by the wall time since.
	lastInput time.Time

	stop chan struct{}
	done chan struct{}
	// tick is idleCheck, shorter in tests.
	tick time.Duration
}

func newConnector(set connector.Settings, cfg *Config, out output) (*correlator, error) {
	eng, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("build telemetry: %w", err)
	}
	return &correlator{
		logger: set.Logger, telemetry: tb, out: out, eng: eng, tick: idleCheck,
		id: set.ID, storageID: cfg.Storage,
	}, nil
}

func (c *correlator) Capabilities() consumer.Capabilities {
	// Only the logs output marks the member events it passes on.
	return consumer.Capabilities{MutatesData: c.out.logs != nil}
}

func (c *correlator) Start(ctx context.Context, host component.Host) error {
	if c.stop != nil {
		return errors.New("already started")
	}
	if err := c.restore(ctx, host); err != nil {
		return err
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.closeIdle()
	return nil
}

func (c *correlator) Shutdown(ctx context.Context) error {
	if c.stop != nil {
		select {
		case <-c.stop:
		default:
			close(c.stop)
		}
		<-c.done
	}
	err := c.save(ctx)
	c.telemetry.Shutdown()
	return err
}

// closeIdle closes incidents when the input goes quiet, which the event
// clock alone would never notice.
func (c *correlator) closeIdle() {
	defer close(c.done)
	t := time.NewTicker(c.tick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
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
func (c *correlator) advance(ctx context.Context, to time.Time) {
	c.mu.Lock()
	c.eng.Advance(to)
	trs, counts := c.eng.Drain()
	send := c.build(plog.NewLogs(), trs)
	c.mu.Unlock()
	c.report(ctx, counts)
	if err := send(ctx); err != nil {
		c.logger.Warn("emit closed incidents", zap.Error(err))
	}
}

func (c *correlator) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	c.mu.Lock()
	malformed := c.feed(ld)
	c.lastInput = time.Now()
	trs, counts := c.eng.Drain()
	send := c.build(ld, trs)
	c.mu.Unlock()
	if malformed > 0 {
		c.telemetry.TapioCorrelationEventsUncorrelated.Add(ctx, int64(malformed), metric.WithAttributes(attribute.String("reason", "malformed")))
	}
	c.report(ctx, counts)
	return send(ctx)
}

// feed runs every record a rule may want through the engine and marks the
// members; it returns how many could not be read as UnifiedEvents.
func (c *correlator) feed(ld plog.Logs) (malformed int) {
	correlated := map[string]int64{}
	for _, rl := range ld.ResourceLogs().All() {
		node := resourceNode(rl)
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				name := recordName(lr)
				if name == unifiedevent.NameIncident || !c.eng.Wants(name, lr.SeverityNumber(), !lr.TraceID().IsEmpty()) {
					continue
				}
				ev, err := unifiedevent.FromLogRecord(lr)
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
					mark(lr, ann)
				}
			}
		}
	}
	for rule, n := range correlated {
		c.telemetry.TapioCorrelationEventsCorrelated.Add(context.Background(), n, metric.WithAttributes(attribute.String("rule", rule)))
	}
	return malformed
}

// build makes this instance's output, under the lock since transitions
// point at live incidents: the marked input plus incident records, the
// incident spans, or the incident counts. The returned func sends it.
func (c *correlator) build(ld plog.Logs, trs []engine.Transition) func(context.Context) error {
	none := func(context.Context) error { return nil }
	switch {
	case c.out.logs != nil:
		if len(trs) > 0 {
			appendIncidents(ld, trs)
		}
		if ld.LogRecordCount() == 0 {
			return none
		}
		return func(ctx context.Context) error { return c.out.logs.ConsumeLogs(ctx, ld) }
	case c.out.traces != nil:
		if td := incidentTraces(trs); td.SpanCount() > 0 {
			return func(ctx context.Context) error { return c.out.traces.ConsumeTraces(ctx, td) }
		}
	case c.out.metrics != nil:
		if md := incidentMetrics(trs, c.eng.OpenByRule()); md.DataPointCount() > 0 {
			return func(ctx context.Context) error { return c.out.metrics.ConsumeMetrics(ctx, md) }
		}
	}
	return none
}

func (c *correlator) report(ctx context.Context, n engine.Counters) {
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
