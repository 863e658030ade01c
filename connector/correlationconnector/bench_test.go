package correlationconnector

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

const benchIncidents = 10_000

var benchStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// benchOOM is an enriched OOM kill as the eBPF decoder and the enrichment
// processor leave it, for workload w.
func benchOOM(id string, w int, t time.Time) *unifiedevent.Event {
	name := "w" + strconv.Itoa(w)
	return &unifiedevent.Event{
		ID: id, Name: unifiedevent.NameOOMKill, Source: unifiedevent.SourceEBPF, RawKind: "oom.kill", Time: t,
		Message: "oom-kill: java (pid 4121) in memcg 8412, rss 255.0 MiB; triggered by pid 4121 (java)",
		Process: &unifiedevent.Process{PID: 4121, ExecutableName: "java"},
		Kernel:  &unifiedevent.Kernel{CgroupID: 8412, Signal: 9, OOM: &unifiedevent.OOM{MemoryCgroup: "8412", RSSBytes: 1 << 28, MemoryLimitBytes: 1 << 28}},
		K8s: &unifiedevent.K8s{
			PodUID: "uid-" + name, PodName: name + "-7d9f-x2x9q", Namespace: "ns" + strconv.Itoa(w%50), NodeName: "node-a",
			ContainerName: "app", WorkloadKind: "Deployment", WorkloadName: name, Services: []string{name},
		},
	}
}

func benchConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	// Each OOM also starts an oom_cascade candidate for its Service, so
	// 10,000 open incidents are 20,000 groups.
	cfg.MaxOpenIncidents = 3 * benchIncidents
	return cfg
}

// openIncidents fills eng with n open OOM incidents, then drains the
// opened records.
func openIncidents(b *testing.B, eng *engine.Engine, n int) {
	for w := range n {
		if _, ok := eng.Process(engine.Input{Event: benchOOM("open-"+strconv.Itoa(w), w, benchStart)}); !ok {
			b.Fatal("incident did not open")
		}
	}
	eng.Drain()
	require.Equal(b, n, openIncidentCount(eng))
}

func openIncidentCount(eng *engine.Engine) int {
	n := 0
	for _, v := range eng.OpenByRule() {
		n += v
	}
	return n
}

// BenchmarkEngineProcess is the engine alone, every event one a rule
// reads and joining one of 10,000 open incidents: the per-event cost
// behind the 500,000 events/s target. "steady" has every incident at its
// member cap already (a long-running incident: members are counted, not
// kept); "kept" has room for every member, so each join also derives a
// span id and stores the member (run it with a fixed -benchtime=Nx, its
// memory grows with N).
func BenchmarkEngineProcess(b *testing.B) {
	for _, regime := range []string{"steady", "steady-oom-rule-only", "kept"} {
		b.Run(regime, func(b *testing.B) {
			cfg := benchConfig()
			switch regime {
			case "kept":
				cfg.MaxEventsPerIncident = 1 << 30
			case "steady-oom-rule-only":
				// The OOM rule alone: what one rule costs, against all
				// twelve defaults (an OOM event is read by oom,
				// oom_cascade, trace and workload).
				r := &cfg.Rules
				for _, rc := range []*RuleConfig{
					&r.CrashLoop, &r.CNISetup, &r.NodeRuntime.RuleConfig, &r.DNS.RuleConfig, &r.ServiceNoBackends,
					&r.OOMCascade, &r.Rollout, &r.NodePressure, &r.ConfigChange, &r.Trace, &r.Workload,
				} {
					rc.Enabled = false
				}
			}
			eng, err := newEngine(cfg)
			require.NoError(b, err)
			openIncidents(b, eng, benchIncidents)
			if regime != "kept" {
				for m := 1; m < cfg.MaxEventsPerIncident; m++ {
					for w := range benchIncidents {
						eng.Process(engine.Input{Event: benchOOM("fill-"+strconv.Itoa(m)+"-"+strconv.Itoa(w), w, benchStart)})
					}
				}
				eng.Drain()
			}
			evs := make([]*unifiedevent.Event, 4096)
			for i := range evs {
				evs[i] = benchOOM("ev-"+strconv.Itoa(i), (i*7919)%benchIncidents, benchStart.Add(time.Second))
			}
			ids := make([]string, 1<<16)
			for i := range ids {
				ids[i] = strconv.Itoa(i)
			}
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				ev := evs[i%len(evs)]
				// A fresh id each time, as real events have, so the
				// duplicate check does not cut the join short.
				ev.ID = ids[i%len(ids)] + "/" + ids[(i>>16)%len(ids)]
				eng.Process(engine.Input{Event: ev})
				i++
				if i%1024 == 0 {
					eng.Drain()
				}
			}
			reportRate(b, b.N, cpu0)
			b.ReportMetric(float64(openIncidentCount(eng)), "open-incidents")
		})
	}
}

var benchMix = flag.Int("bench-relevant", 30, "percent of records in BenchmarkConsumeLogs that a rule reads")

// BenchmarkConsumeLogs is the logs->logs connector end to end on
// 1,000-record batches: name check, FromLogRecord for the records a rule
// reads, the engine, the marks and the incident records, with 10,000
// incidents open. The rest of the mix are tcp.connect and process.exec
// records, which is what a node mostly emits.
func BenchmarkConsumeLogs(b *testing.B) {
	benchConsume(b, benchBatch())
}

// benchConsume feeds copies of template, with fresh event ids, to a
// logs->logs connector holding benchIncidents open incidents.
func benchConsume(b *testing.B, template plog.Logs) {
	c, err := NewFactory().CreateLogsToLogs(b.Context(), connectortest.NewNopSettings(metadata.Type), benchConfig(), consumertest.NewNop())
	require.NoError(b, err)
	corr := c.(*correlator)
	openIncidents(b, corr.eng, benchIncidents)

	b.ReportAllocs()
	n := 0
	var cpuCopy time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		// Building the input is the benchmark's cost, not the
		// connector's: it is left out of both clocks.
		b.StopTimer()
		c0 := cpuTime()
		ld := plog.NewLogs()
		template.CopyTo(ld)
		stampIDs(ld, n)
		n++
		cpuCopy += cpuTime() - c0
		b.StartTimer()
		if err := c.ConsumeLogs(b.Context(), ld); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*benchBatchSize, cpu0+cpuCopy)
	b.ReportMetric(float64(openIncidentCount(corr.eng)), "open-incidents")
}

const benchBatchSize = 1000

// benchBatch is BenchmarkConsumeLogs' input: the mix of records rules read
// and records they do not.
func benchBatch() plog.Logs {
	const batch = benchBatchSize
	template := plog.NewLogs()
	recs := template.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range batch {
		lr := recs.AppendEmpty()
		if i*100/batch < *benchMix {
			benchOOM("x", (i*7919)%benchIncidents, benchStart.Add(time.Second)).WriteTo(lr)
			continue
		}
		benchConnect().WriteTo(lr)
	}
	return template
}

// benchConnect is the record no rule reads: a node's everyday connect.
func benchConnect() *unifiedevent.Event {
	return &unifiedevent.Event{
		ID: "x", Name: unifiedevent.NameTCPConnect, Source: unifiedevent.SourceEBPF, Time: benchStart.Add(time.Second),
		Process: &unifiedevent.Process{PID: 4121, ExecutableName: "java"},
		Network: &unifiedevent.Network{Transport: "tcp", Type: "ipv4", LocalAddress: "10.244.1.17", PeerAddress: "10.96.0.10", PeerPort: 5432, State: "syn_sent"},
	}
}

// stampIDs gives batch n's records fresh event ids, as real events have,
// however the batch is split into Resources.
func stampIDs(ld plog.Logs, n int) {
	i := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				lr.Attributes().PutStr(unifiedevent.AttrEventID, strconv.Itoa(n*benchBatchSize+i))
				i++
			}
		}
	}
}

// BenchmarkConsumeLogsAllOutputs is the connector used in a logs, a traces
// and a metrics pipeline at once: the collector makes three instances and
// its fan-out hands each the batch (the logs one, which marks records, a
// copy of its own). Records per CPU second of input, all three included.
func BenchmarkConsumeLogsAllOutputs(b *testing.B) {
	cfg := benchConfig()
	set := connectortest.NewNopSettings(metadata.Type)
	f := NewFactory()
	l, err := f.CreateLogsToLogs(b.Context(), set, cfg, consumertest.NewNop())
	require.NoError(b, err)
	tr, err := f.CreateLogsToTraces(b.Context(), set, cfg, consumertest.NewNop())
	require.NoError(b, err)
	m, err := f.CreateLogsToMetrics(b.Context(), set, cfg, consumertest.NewNop())
	require.NoError(b, err)
	conns := []*correlator{l.(*correlator), tr.(*correlator), m.(*correlator)}
	b.Cleanup(func() {
		for _, c := range conns {
			require.NoError(b, c.Shutdown(context.Background()))
		}
	})
	filled := map[*engine.Engine]bool{}
	for _, c := range conns {
		if !filled[c.eng] {
			openIncidents(b, c.eng, benchIncidents)
			filled[c.eng] = true
		}
	}

	template := benchBatch()
	b.ReportAllocs()
	n := 0
	var cpuCopy time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		c0 := cpuTime()
		mine, shared := plog.NewLogs(), plog.NewLogs()
		template.CopyTo(mine)
		stampIDs(mine, n)
		mine.CopyTo(shared)
		n++
		cpuCopy += cpuTime() - c0
		b.StartTimer()
		if err := l.ConsumeLogs(b.Context(), mine); err != nil {
			b.Fatal(err)
		}
		for _, c := range []connector.Logs{tr, m} {
			if err := c.ConsumeLogs(b.Context(), shared); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRate(b, b.N*benchBatchSize, cpu0+cpuCopy)
	b.ReportMetric(float64(len(filled)), "engines")
}

// cpuTime is the process's user+system CPU time. The machine is shared, so
// wall-clock rates understate what one core does; events per CPU second
// (GC included, GOMAXPROCS 1 under -cpu 1) is the figure that does not
// depend on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportRate(b *testing.B, events int, cpu0 time.Duration) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
	}
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMemoryPerIncident measures the live heap an open incident
// holds, with members members each, over 10,000 incidents.
func BenchmarkMemoryPerIncident(b *testing.B) {
	for _, members := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			var perIncident float64
			for b.Loop() {
				before := heapAfterGC()
				eng, err := newEngine(benchConfig())
				require.NoError(b, err)
				for m := range members {
					for w := range benchIncidents {
						eng.Process(engine.Input{Event: benchOOM(strconv.Itoa(m)+"/"+strconv.Itoa(w), w, benchStart.Add(time.Duration(m)*time.Second))})
					}
				}
				eng.Drain()
				after := heapAfterGC()
				require.Equal(b, benchIncidents, openIncidentCount(eng))
				perIncident = float64(after-before) / benchIncidents
				runtime.KeepAlive(eng)
			}
			b.ReportMetric(perIncident, "bytes/incident")
		})
	}
}
