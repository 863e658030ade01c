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
	return &correlator{logger: set.Logger, telemetry: tb, out: out, eng: eng, tick: idleCheck}, nil
}

func (c *correlator) Capabilities() consumer.Capabilities {
	// Only the logs output marks the member events it passes on.
	return consumer.Capabilities{MutatesData: c.out.logs != nil}
}

func (c *correlator) Start(context.Context, component.Host) error {
	if c.stop != nil {
		return errors.New("already started")
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.closeIdle()
	return nil
}

func (c *correlator) Shutdown(context.Context) error {
	if c.stop != nil {
		select {
		case <-c.stop:
		default:
			close(c.stop)
		}
		<-c.done
	}
	c.telemetry.Shutdown()
	return nil
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
			if c.lastInput.IsZero() || idle < c.tick {
				c.mu.Unlock()
				continue
			}
			c.eng.Advance(c.eng.Watermark().Add(idle))
			c.lastInput = now
			trs, counts := c.eng.Drain()
			c.mu.Unlock()
			ctx := context.Background()
			c.report(ctx, counts)
			if err := c.emit(ctx, plog.NewLogs(), trs); err != nil {
				c.logger.Warn("emit closed incidents", zap.Error(err))
			}
		}
	}
}

func (c *correlator) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	c.mu.Lock()
	malformed := c.feed(ld)
	c.lastInput = time.Now()
	trs, counts := c.eng.Drain()
	c.mu.Unlock()
	if malformed > 0 {
		c.telemetry.TapioCorrelationEventsUncorrelated.Add(ctx, int64(malformed), metric.WithAttributes(attribute.String("reason", "malformed")))
	}
	c.report(ctx, counts)
	return c.emit(ctx, ld, trs)
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
				if name == unifiedevent.NameIncident || !c.eng.Wants(name) {
					continue
				}
				ev, err := unifiedevent.FromLogRecord(lr)
				if err != nil {
					malformed++
					continue
				}
				ann, ok := c.eng.Process(engine.Input{Event: ev, Node: node})
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

// emit sends this instance's output: the marked input plus incident
// records, the incident spans, or the incident counts.
func (c *correlator) emit(ctx context.Context, ld plog.Logs, trs []engine.Transition) error {
	switch {
	case c.out.logs != nil:
		if len(trs) > 0 {
			appendIncidents(ld, trs)
		}
		if ld.LogRecordCount() == 0 {
			return nil
		}
		return c.out.logs.ConsumeLogs(ctx, ld)
	case c.out.traces != nil:
		if td := incidentTraces(trs); td.SpanCount() > 0 {
			return c.out.traces.ConsumeTraces(ctx, td)
		}
	case c.out.metrics != nil:
		if md := incidentMetrics(trs, c.openByRule()); md.DataPointCount() > 0 {
			return c.out.metrics.ConsumeMetrics(ctx, md)
		}
	}
	return nil
}

func (c *correlator) openByRule() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eng.OpenByRule()
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
