package k8senrichprocessor

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.uber.org/zap"
	k8smetadata "k8s.io/client-go/metadata"

	"github.com/yairfalse/tapio/internal/k8sclient"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/cgroups"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

// Timing of the background loop. A walk of the cgroup hierarchy costs a
// few milliseconds on a busy node, so unknown ids trigger at most one per
// minWalk; pids are cached briefly since they are reused.
const (
	minWalk   = 100 * time.Millisecond
	pidTTL    = 10 * time.Second
	sweepTick = 30 * time.Second
)

type enrichProcessor struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	next      consumer.Logs

	cache    *kubecache.Cache
	resolver resolver
	hold     *holdBack
	now      func() time.Time

	// watch is set by start; tests fill the cache themselves instead.
	watch *kubecache.Watcher

	stop     chan struct{}
	loopDone sync.WaitGroup
	stopOnce sync.Once
}

func newEnrichProcessor(set processor.Settings, cfg *Config, next consumer.Logs) (*enrichProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	node := nodeName(cfg.NodeName)
	c := kubecache.New(node, cfg.DeletedPodRetention)
	return &enrichProcessor{
		cfg:       cfg,
		logger:    set.Logger,
		telemetry: tb,
		next:      next,
		cache:     c,
		resolver: resolver{
			cache: c,
			ids:   cgroups.NewIDs(cfg.CgroupRoot, minWalk),
			pids:  cgroups.NewPIDs(cfg.HostProc, pidTTL),
		},
		hold: newHoldBack(cfg.MaxHeldRecords),
		now:  time.Now,
		stop: make(chan struct{}),
	}, nil
}

// nodeName is the configured node, else NODE_NAME (the downward API in
// the DaemonSet), else the host name.
func nodeName(configured string) string {
	if configured != "" {
		return configured
	}
	if n := os.Getenv("NODE_NAME"); n != "" {
		return n
	}
	n, _ := os.Hostname()
	return n
}

func (p *enrichProcessor) start(_ context.Context, _ component.Host) error {
	restCfg, err := k8sclient.RESTConfig(k8sclient.Auth{
		Type: p.cfg.AuthType, Kubeconfig: p.cfg.Kubeconfig, Context: p.cfg.Context,
		QPS: p.cfg.QPS, Burst: p.cfg.Burst, UserAgent: "otelcol-tapio/tapio_k8s_enrich",
	})
	if err != nil {
		return err
	}
	typed, err := k8sclient.Typed(restCfg)
	if err != nil {
		return err
	}
	md, err := k8smetadata.NewForConfig(restCfg)
	if err != nil {
		return fmt.Errorf("create metadata client: %w", err)
	}
	p.watch = kubecache.NewWatcher(p.cache, typed, md, !p.cfg.PeerPods)
	p.watch.Start()
	p.startLoop()
	p.logger.Info("watching pods, services, replicasets and jobs",
		zap.String("node", p.cache.Node()), zap.String("cgroup_root", p.resolver.ids.Root()))
	return nil
}

func (p *enrichProcessor) startLoop() {
	p.loopDone.Go(p.loop)
}

// shutdown sends every held record on (as miss) before stopping, so none
// is lost. It works before start and twice.
func (p *enrichProcessor) shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		close(p.stop)
		p.loopDone.Wait()
		err = p.release(ctx, p.hold.takeAll(), reasonShutdown)
		if p.watch != nil {
			p.watch.Stop()
		}
		p.telemetry.Shutdown()
	})
	return err
}

// processLogs enriches every record. Records whose pod is found move
// under a Resource naming that pod (regroup); records whose pod is not
// known yet move to the hold-back queue; the rest stay where they are.
func (p *enrichProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	now := p.now()
	var counts outcomeCounts
	holding := p.cfg.HoldBack > 0
	g := getRegroup(ld, p.cache)
	defer putRegroup(g)
	g.walk(func(lr plog.LogRecord) place {
		o, s := p.enrich(lr, now, false, holding)
		if o.status == "" && o.reason != "" {
			return place{hold: true}
		}
		counts.add(o)
		return s
	})
	counts.record(ctx, p.telemetry)
	if g.heldN > 0 {
		evicted := p.hold.add(g.held, g.heldN, now, now.Add(p.cfg.HoldBack))
		if err := p.release(ctx, evicted, reasonHoldBackFull); err != nil {
			p.logger.Warn("next consumer refused records released from the hold-back", zap.Error(err))
		}
		p.telemetry.TapioK8sEnrichRecordsHeld.Record(ctx, int64(p.hold.len()))
		if ld.LogRecordCount() == 0 {
			return ld, processorhelper.ErrSkipProcessingData
		}
	}
	return ld, nil
}

// outcome is what enrich did to one record, as the metric counts it.
type outcome struct {
	status string
	reason string
}

// enrich resolves one record, writes its status and its peer, and
// returns where its subject's pod is, for the caller to move it there.
// With hold set, a record whose pod is wanted but unknown is left
// untouched and reported with a reason and no status, for the caller to
// hold back; otherwise it is marked miss (or, when late is set, resolved
// ones are marked late).
func (p *enrichProcessor) enrich(lr plog.LogRecord, now time.Time, late, hold bool) (outcome, place) {
	k := readKeys(lr)
	s := p.resolver.subject(&k, now)
	// Watching only this node's pods, a pod named by a cluster-wide source
	// (a Kubernetes Event about another node's pod) never arrives: waiting
	// for it would only delay the record.
	if s.wanted && hold && (p.cfg.PeerPods || s.local) {
		return outcome{reason: s.reason}, place{}
	}
	var out outcome
	var at place
	switch {
	case s.pod != nil:
		at = place{pod: s.pod, containerID: s.containerID, runtime: s.runtime}
		out.status = StatusResolved
		if late {
			out.status = StatusLate
		}
	case s.wanted:
		out = outcome{status: StatusMiss, reason: s.reason}
	}
	if peer, svc := p.resolver.peer(&k); peer != nil || svc != nil {
		var w kubecache.Owner
		if peer != nil {
			w = p.cache.Workload(peer)
		}
		writePeer(lr, peer, svc, w)
		if out.status == "" {
			out.status = StatusResolved
		}
	}
	if out.status != "" {
		lr.Attributes().PutStr(AttrEnrichmentStatus, out.status)
	}
	return out, at
}

// loop retries held records whenever the cache changes and on a tick (for
// deadlines and cgroups that appear without any API change), and sweeps
// expired pods.
func (p *enrichProcessor) loop() {
	retry := time.NewTicker(max(p.cfg.HoldBack/10, 10*time.Millisecond))
	defer retry.Stop()
	sweep := time.NewTicker(sweepTick)
	defer sweep.Stop()
	ctx := context.Background()
	for {
		select {
		case <-p.stop:
			return
		case <-p.cache.Changed():
		case <-retry.C:
		case <-sweep.C:
			p.cache.Sweep(p.now())
			p.telemetry.TapioK8sEnrichPodsCached.Record(ctx, int64(p.cache.Len()))
			continue
		}
		p.retryHeld(ctx)
	}
}
