package k8swatchreceiver

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/k8swatchreceiver/internal/metadata"
)

// RawVersion is the layout version of the records' body: a watch event as
// the API sends it, which changes only if Kubernetes changes it.
const RawVersion = "1"

type k8sReceiver struct {
	set       receiver.Settings
	cfg       *Config
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder

	identity rawrecord.Identity
	emitter  *rawrecord.Emitter
	clients  *clients
	status   statusBoard

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*k8sReceiver, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	return &k8sReceiver{set: set, cfg: cfg, next: next, telemetry: tb}, nil
}

// Start builds the clients and starts the streams. It fails only on a
// configuration that cannot work (no credentials); an API server that is
// down, or refuses a watch, is retried and reported while running.
func (r *k8sReceiver) Start(_ context.Context, host component.Host) error {
	identity, err := rawrecord.DetectIdentity(r.cfg.NodeName)
	if err != nil {
		return fmt.Errorf("tapio_k8s_watch: %w", err)
	}
	restCfg, err := r.cfg.restConfig()
	if err != nil {
		return fmt.Errorf("tapio_k8s_watch: %w", err)
	}
	cl, err := newClients(restCfg)
	if err != nil {
		return fmt.Errorf("tapio_k8s_watch: %w", err)
	}
	r.identity, r.clients = identity, cl
	r.status.start(host)
	r.emitter = rawrecord.NewEmitter(rawrecord.SourceK8s, RawVersion, identity, metadata.ScopeName, r.set.BuildInfo.Version)

	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if r.cfg.Pods {
		r.spawn(func() { r.runStream(ctx, r.podsSpec()) })
	}
	if r.cfg.Node {
		r.spawn(func() { r.runStream(ctx, r.nodeSpec()) })
	}
	if r.hasClusterStreams() {
		switch r.cfg.ClusterScoped {
		case ClusterScopedOn:
			r.telemetry.TapioK8sWatchLeader.Record(ctx, 1)
			r.spawn(func() { r.runClusterStreams(ctx) })
		case ClusterScopedLeaderElection:
			r.telemetry.TapioK8sWatchLeader.Record(ctx, 0)
			r.spawn(func() { r.lead(ctx) })
		}
	}
	r.set.Logger.Info("watching the Kubernetes API", zap.String("node", identity.NodeName),
		zap.Bool("pods", r.cfg.Pods), zap.Bool("node_object", r.cfg.Node), zap.Bool("events", r.cfg.Events),
		zap.Int("resources", len(r.cfg.Resources)), zap.String("cluster_scoped", r.cfg.ClusterScoped))
	return nil
}

// Shutdown stops every stream and, under leader election, releases the
// Lease so another receiver takes over at once. It is safe before Start
// and twice.
func (r *k8sReceiver) Shutdown(context.Context) error {
	r.status.close()
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	r.cancel = nil
	return nil
}

func (r *k8sReceiver) spawn(f func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

func (r *k8sReceiver) hasClusterStreams() bool {
	return r.cfg.Events || len(r.cfg.Resources) > 0
}

// runClusterStreams runs Events and the configured resources until ctx
// ends, and returns only when all of them have stopped, so a lost Lease
// never leaves a stream running beside the new leader's.
func (r *k8sReceiver) runClusterStreams(ctx context.Context) {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	if r.cfg.Events {
		run(func() { r.runStream(ctx, r.eventsSpec()) })
	}
	for _, rc := range r.cfg.Resources {
		run(func() { r.runResource(ctx, rc) })
	}
	wg.Wait()
}
