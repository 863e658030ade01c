package correlationconnector

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

var (
	soakFor  = flag.Duration("soak", 30*time.Second, "how long BenchmarkSoak runs")
	soakRate = flag.Int("soak-rate", 20_000, "records per second BenchmarkSoak feeds")
)

// BenchmarkSoak feeds the logs->logs connector at a steady rate for -soak
// of wall time, with event times that follow the wall clock, and samples
// the live heap (after GC) every tenth of the run. Workloads take turns
// failing: each OOMs for 30 s, then goes quiet, so incidents open and
// close all the time; with the TTL at 1m (plus 30 s lateness) the open
// count levels off at about 1,800 from the third minute on (each full, at
// 64 members), and the heap must level off with it. Run it by hand:
//
//	go test -run '^$' -bench Soak -benchtime=1x -soak=10m ./connector/correlationconnector/
func BenchmarkSoak(b *testing.B) {
	for b.Loop() {
		soak(b)
	}
}

func soak(b *testing.B) {
	cfg := createDefaultConfig().(*Config)
	cfg.TTL = time.Minute
	r := &cfg.Rules
	for _, rc := range []*RuleConfig{
		&r.OOM, &r.CrashLoop, &r.CNISetup, &r.NodeRuntime.RuleConfig, &r.DNS.RuleConfig, &r.ServiceNoBackends,
		&r.OOMCascade, &r.Rollout, &r.NodePressure, &r.ConfigChange, &r.Trace, &r.Workload,
	} {
		rc.Window = time.Minute
	}
	require.NoError(b, confmap.Validate(cfg))
	c, err := NewFactory().CreateLogsToLogs(b.Context(), connectortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(b, err)
	corr := c.(*correlator)

	const batch = 500
	tick := time.NewTicker(time.Second * batch / time.Duration(*soakRate))
	defer tick.Stop()
	start := time.Now()
	var samples []uint64
	nextSample := start
	seq := 0
	for now := range tick.C {
		if now.Sub(start) >= *soakFor {
			break
		}
		ld := plog.NewLogs()
		recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		sec := int(now.Sub(start) / time.Second)
		for i := range batch {
			seq++
			lr := recs.AppendEmpty()
			id := strconv.Itoa(seq)
			if i%10 < 3 {
				w := sec*50 + (seq % 1500)
				benchOOM(id, w, now).WriteTo(lr)
				continue
			}
			ev := &unifiedevent.Event{
				ID: id, Name: unifiedevent.NameTCPConnect, Source: unifiedevent.SourceEBPF, Time: now,
				Network: &unifiedevent.Network{Transport: "tcp", PeerAddress: "10.96.0.10", PeerPort: 5432, State: "syn_sent"},
			}
			ev.WriteTo(lr)
		}
		require.NoError(b, c.ConsumeLogs(b.Context(), ld))
		if !now.Before(nextSample) {
			samples = append(samples, heapAfterGC())
			nextSample = nextSample.Add(*soakFor / 10)
			b.Logf("at %s: heap %.2f MB, %d open, %d ended ids kept, %d records", now.Sub(start).Truncate(time.Second),
				float64(samples[len(samples)-1])/(1<<20), corr.eng.Open(), corr.eng.Remembered(), seq)
		}
	}
	require.NoError(b, c.Shutdown(b.Context()))
	require.GreaterOrEqual(b, len(samples), 4, "run longer: too few heap samples")
	mb := func(n uint64) float64 { return float64(n) / (1 << 20) }
	var peak uint64
	for _, s := range samples[len(samples)/4:] {
		peak = max(peak, s)
	}
	b.ReportMetric(mb(samples[len(samples)/4]), "heap-MB-at-25%")
	b.ReportMetric(mb(samples[len(samples)-1]), "heap-MB-at-end")
	b.ReportMetric(mb(peak), "heap-MB-peak-after-25%")
	b.ReportMetric(float64(seq), "records")
	b.ReportMetric(float64(corr.eng.Open()), "open-at-end")
	runtime.KeepAlive(corr)
}
