package correlationconnector

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
)

// output is the one next consumer a connector instance feeds; a core
// holds the union of its instances' outputs.
type output struct {
	logs    consumer.Logs
	traces  consumer.Traces
	metrics consumer.Metrics
}

type signal int

const (
	signalLogs signal = iota
	signalTraces
	signalMetrics
)

func (o output) signal() signal {
	switch {
	case o.traces != nil:
		return signalTraces
	case o.metrics != nil:
		return signalMetrics
	}
	return signalLogs
}

// cores holds the live core of each connector, keyed by its config: the
// collector hands the same *Config to every instance of one connector id,
// and a new one on each reload (as contrib's sharedcomponent keys it).
var cores = struct {
	sync.Mutex
	m map[*Config]*core
}{m: map[*Config]*core{}}

// correlator is one instance: the connector's output towards one kind of
// pipeline, over the shared core.
type correlator struct {
	*core
	cfg     *Config
	kind    signal
	started bool
	shut    bool
}

var errOutputTwice = errors.New("output kind registered twice for one connector")

func newConnector(set connector.Settings, cfg *Config, out output) (*correlator, error) {
	cores.Lock()
	defer cores.Unlock()
	c := cores.m[cfg]
	if c == nil {
		eng, err := newEngine(cfg)
		if err != nil {
			return nil, err
		}
		tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
		if err != nil {
			return nil, fmt.Errorf("build telemetry: %w", err)
		}
		c = &core{logger: set.Logger, telemetry: tb, eng: eng, tick: idleCheck, id: set.ID, storageID: cfg.Storage, every: cfg.CheckpointInterval}
		cores.m[cfg] = c
	}
	switch k := out.signal(); {
	case k == signalLogs && c.out.logs != nil, k == signalTraces && c.out.traces != nil, k == signalMetrics && c.out.metrics != nil:
		return nil, fmt.Errorf("%s: %w", set.ID, errOutputTwice)
	}
	if out.logs != nil {
		c.out.logs = out.logs
	}
	if out.traces != nil {
		c.out.traces = out.traces
	}
	if out.metrics != nil {
		c.out.metrics = out.metrics
	}
	c.life++
	return &correlator{core: c, cfg: cfg, kind: out.signal()}, nil
}

func (c *correlator) Capabilities() consumer.Capabilities {
	// The logs output marks member events in a copy of the batch, made
	// only for a batch that has members (records.go, markedCopy).
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeLogs runs the engine in the feeder instance only: the others
// receive the very same batches, which the feeder has already correlated
// and reported to their outputs.
func (c *correlator) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if c.kind != c.feeder() {
		return nil
	}
	return c.consume(ctx, ld)
}

func (c *correlator) Start(ctx context.Context, host component.Host) error {
	cores.Lock()
	defer cores.Unlock()
	if c.started {
		return errors.New("already started")
	}
	if c.core.started == 0 {
		if err := c.restore(ctx, host); err != nil {
			return err
		}
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		go c.closeIdle(c.stop, c.done)
	}
	c.started = true
	c.core.started++
	return nil
}

func (c *correlator) Shutdown(ctx context.Context) error {
	cores.Lock()
	defer cores.Unlock()
	if c.shut {
		return nil
	}
	c.shut = true
	if c.started {
		c.core.started--
		if c.core.started == 0 {
			close(c.stop)
			<-c.done
		}
	}
	c.life--
	if c.life > 0 {
		return nil
	}
	delete(cores.m, c.cfg)
	err := c.save(ctx)
	c.telemetry.Shutdown()
	return err
}
