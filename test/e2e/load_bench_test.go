package e2e

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/testkit"
)

var (
	loadDuration = flag.Duration("load.duration", 10*time.Second, "how long each rate of BenchmarkAgentLoad runs")
	loadRates    = flag.String("load.rates", "1000,10000,50000,max", "events per second BenchmarkAgentLoad drives, comma-separated; max schedules more than any producer here keeps up with")
	loadPeers    = flag.Bool("load.peers", true, "run the peers in the same collector: contrib's filelog beside tapio_cni on the same CNI file and contrib's k8s_attributes after tapio_k8s_enrich on the same pods, with the CPU profile split by component; false measures the agent alone")
	collectorEnv = flag.String("load.env", "", "NAME=value pairs, comma-separated, added to the collector's environment (GOGC, GOMEMLIMIT)")
	// A DaemonSet's pod and the node's workloads each get a CPU share by
	// their requests; every thread competing alone, as when both flags
	// are empty, is not how a node runs them.
	agentCPURequest    = flag.String("load.agent-cpu-request", "", "the collector's CPU request (100m, 1): it runs in a CPU cgroup weighted as the kubelet weights a pod's; empty: no cgroup of its own")
	agentCPULimit      = flag.String("load.agent-cpu-limit", "", "the collector's CPU limit, with -load.agent-cpu-request: its cgroup's CFS quota; empty: none")
	workloadCPURequest = flag.String("load.workload-cpu-request", "", "the CPU request of everything else the benchmark runs (the load's processes, the sinks, the API server, journald): one cgroup for them all, weighted as a pod with that request; empty: no cgroup")
	featureGates       = flag.String("load.feature-gates", "", "the collector's --feature-gates value (gates comma-separated, - before one turns it off); empty runs the gates' defaults, as shipped")
	loadIdle           = flag.Duration("load.idle", 30*time.Second, "how long BenchmarkAgentLoad/idle measures an idle collector")
	loadHogs           = flag.Int("load.hogs", 0, "processes that only spin during each rate's load, in a CPU cgroup weighted by -load.hog-cpu-request: a node whose workloads use every core")
	hogCPURequest      = flag.String("load.hog-cpu-request", "", "the CPU request of the -load.hogs' cgroup (1900m)")
	loadOOMKills       = flag.Int("load.oom-kills", 2, "OOM kills BenchmarkAgentLoad causes during each rate's load, evenly spaced, in the load's client pod: whether they reach the backend when the agent falls behind")
	// The eBPF receiver's batching is where CPU is traded against latency:
	// each batch becomes one export request downstream.
	ebpfReadInterval = flag.Duration("load.read-interval", 0, "tapio_ebpf read_interval for BenchmarkAgentLoad; 0 keeps the receiver's default, as the shipped agent does")
	// Variations of the shipped shape's exporters, to measure what each
	// costs; empty keeps deploy/config/agent.yaml's choice.
	gatewayCompression = flag.String("load.gateway-compression", "", "shipped shape: load_balancing's OTLP/gRPC compression (none, snappy, zstd, gzip); empty keeps the shipped one")
	backendCompression = flag.String("load.backend-compression", "", "shipped shape: the backend exporter's compression; empty keeps the shipped one")
	backendQueue       = flag.String("load.backend-queue", "memory", "shipped shape: memory keeps the backend's sending queue in memory, as shipped; disk puts it on file_storage, the agent's documented opt-in")
	ebpfMaxBatchDelay  = flag.Duration("load.batch-delay", 0, "tapio_ebpf max_batch_delay for BenchmarkAgentLoad; 0 keeps the receiver's default")
	// The shipped agent exports every event twice (backend and gateway),
	// over OTLP/gRPC with gzip, through a persistent queue; the lite shape
	// is the benchmark before it followed deploy/config/agent.yaml, kept
	// to compare against earlier figures.
	loadShape = flag.String("load.shape", shapeShipped, "shipped: the pipeline of deploy/config/agent.yaml (memory_limiter, OTLP/gRPC backend with a file_storage queue, load_balancing to a gateway sink); lite: one uncompressed OTLP/HTTP export with an in-memory queue")
)

const (
	shapeShipped = "shipped"
	shapeLite    = "lite"
)

// BenchmarkAgentLoad drives the built collector with real kernel events,
// CNI lines and journal lines at fixed rates and reports, per rate, the
// collector's CPU and RSS, the latency from each event's own time to its
// arrival at an OTLP/HTTP sink, and a loss ledger. `make bench-e2e` runs
// it; each sub-benchmark is one timed run (its b.N is not a loop count).
func BenchmarkAgentLoad(b *testing.B) {
	testkit.RequireRoot(b)
	env := newLoadEnv(b)
	b.Run("idle", env.idle)
	for _, r := range strings.Split(*loadRates, ",") {
		rate := 0.0
		if r != "max" {
			var err error
			rate, err = strconv.ParseFloat(r, 64)
			require.NoError(b, err, "-load.rates")
		}
		b.Run("rate="+r, func(b *testing.B) { env.load(b, rate) })
	}
}

// idle measures a started collector that has nothing of its own to do:
// only the host's own events (other jobs on a shared machine) reach it.
func (env *loadEnv) idle(b *testing.B) {
	r := env.start(b)
	// The benchmark reads the journal through a journalctl child, which
	// the shipped agent does not run (its journal is opt-in): own-cpu% is
	// the collector alone.
	before, own0, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	profiled := profileCPU(b, r, "idle", *loadIdle)
	sink0, gw0 := countsOf(r.sink), countsOf(r.gateway)
	start := time.Now()
	// The first half of the window still holds start-up's tail (the
	// informers' first resyncs, the readers' first polls); the second
	// half is the agent settled, reported apart as late-cpu%.
	select {
	case <-time.After(*loadIdle / 2):
	case <-b.Context().Done():
	}
	mid, _, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	midAt := time.Now()
	select {
	case <-time.After(*loadIdle - *loadIdle/2):
	case <-b.Context().Done():
	}
	after, own1, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	exports := rateSince(r.sink, sink0, time.Since(start))
	profiled()
	b.ReportMetric(loadgen.CPUPercent(before, after, time.Since(start)), "cpu%")
	b.ReportMetric(loadgen.CPUPercent(own0, own1, time.Since(start)), "own-cpu%")
	b.ReportMetric(loadgen.CPUPercent(mid, after, time.Since(midAt)), "late-cpu%")
	b.ReportMetric(exports.perSecond(), "exports/s")
	gw := rateSince(r.gateway, gw0, time.Since(start))
	if r.gateway != nil {
		b.ReportMetric(gw.perSecond(), "gw-exports/s")
	}
	b.ReportMetric(mb(after.RSS), "rss-MB")
	b.ReportMetric(mb(own1.RSS), "own-rss-MB")
	b.ReportMetric(mb(after.RSSAnon), "rss-anon-MB")
	b.ReportMetric(mb(after.RSSFile), "rss-file-MB")
	b.ReportMetric(float64(own1.MajorFaults-own0.MajorFaults), "major-faults")
	b.ReportMetric(ms(r.ready), "ready-ms")
	b.Logf("idle %s: cpu %.2f%% of one core (second half %.2f%%), rss %.1f MB, start to ready %s, %d records exported meanwhile (host events), %s",
		*loadIdle, loadgen.CPUPercent(before, after, time.Since(start)), loadgen.CPUPercent(mid, after, time.Since(midAt)),
		mb(after.RSS), r.ready, r.sink.Records(), exports)
	b.Logf("idle: the collector alone %.1f MB (anonymous %.1f), the rest is the benchmark's journalctl child", mb(own1.RSS), mb(own1.RSSAnon))
}

// maxSchedule is the "max" rate's schedule, in events per second.
const maxSchedule = 200_000

// journalCap is the most journal lines per second a run writes.
const journalCap = 3000

// eventsPerOp is the records one operation of each generator causes, as
// measured here: an exec and its exit; the DNS query and answer, each seen
// leaving one socket and entering the other; a loopback connection's state
// changes on both ends (connect, established, resets, closes). They turn a
// target rate of events into operations; the collector's own read counter
// reports the rate it really saw.
var eventsPerOp = map[string]float64{"exec": 2, "journal": 1, "cni": 1, "dns": 4, "tcp": 8}

// share is one generator's part of a run.
type share struct {
	name    string
	rate    float64 // operations per second
	workers int
	op      loadgen.Op
}

// mix splits a rate of events into the generators' operations: 10% exec,
// 10% journal, 20% CNI lines, 30% DNS, the rest TCP. Exec is capped at
// 400/s (fork and exec cost the machine far more than their events cost
// the collector) and the journal at 3,000 lines/s (journald in the
// container kept at most 32,500 lines of one unit here, so a 10 s run stays
// below that; above it the report shows journald's own loss);
// what the caps leave goes to TCP.
func (env *loadEnv) mix(b *testing.B, r *run, rate float64) ([]share, func()) {
	dnsOp, closeDNS, err := loadgen.DNSOp(env.dns.Addr(), 2)
	require.NoError(b, err)
	if rate <= 0 {
		// No producer here keeps up with this schedule: every generator
		// runs flat out in the same mix (the Behind counts show it), and
		// the collector's read rate is the most this machine sustains.
		rate = maxSchedule
	}
	events := map[string]float64{
		"exec":    min(0.10*rate, 400*eventsPerOp["exec"]),
		"journal": min(0.10*rate, journalCap),
		"cni":     0.20 * rate,
		"dns":     0.30 * rate,
	}
	events["tcp"] = rate - events["exec"] - events["journal"] - events["cni"] - events["dns"]
	ops := func(name string) float64 { return events[name] / eventsPerOp[name] }
	return []share{
		{"exec", ops("exec"), 2, env.execOp},
		{"journal", ops("journal"), 1, r.journalOp},
		{"cni", ops("cni"), 1, r.cniOp},
		{"dns", ops("dns"), 2, dnsOp},
		{"tcp", ops("tcp"), 2, env.tcp.ConnectOp()},
	}, closeDNS
}

func (env *loadEnv) load(b *testing.B, rate float64) {
	r := env.start(b)
	if env.pods != nil {
		// After the collector started, so it stays outside; before the
		// DNS sockets are made.
		env.pods.enter(b)
	}
	shares, closeDNS := env.mix(b, r, rate)
	defer closeDNS()

	ctx, cancel := context.WithCancel(b.Context())
	stopHogs := startHogs(b)
	defer stopHogs()
	m0, err := loadgen.Scrape(ctx, r.cfg.MetricsURL())
	require.NoError(b, err)
	u0, own0, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	machine0, err := loadgen.ReadMachineCPU()
	require.NoError(b, err)
	peak := sample(ctx, r.col.PID, 100*time.Millisecond)
	sink0, gw0 := countsOf(r.sink), countsOf(r.gateway)
	profiled := profileCPU(b, r, "rate="+rateName(rate), *loadDuration)
	start := time.Now()
	tallies := make([]loadgen.Tally, len(shares))
	var wg sync.WaitGroup
	for i, s := range shares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tallies[i] = loadgen.Drive(ctx, s.name, s.rate, s.workers, *loadDuration, s.op)
		}()
	}
	oomKills := causeOOMKills(ctx, b, *loadOOMKills, *loadDuration)
	wg.Wait()
	wall := time.Since(start)
	exports := rateSince(r.sink, sink0, wall)
	gwExports := rateSince(r.gateway, gw0, wall)
	u1, own1, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	machine1, err := loadgen.ReadMachineCPU()
	require.NoError(b, err)
	// The node is quiet again while the pipeline drains.
	stopHogs()
	cancel()
	peakRSS, ownPeakRSS := peak()
	r.closeFiles()
	profiled()

	// Drain: host events keep arriving, so the load is through once its
	// own records have stopped arriving for a second.
	drained := waitStable(func() uint64 { return r.sink.Classes(allLoadClasses...) }, time.Second, 30*time.Second)
	l := settleLedger(b, r, m0)
	u2, _, err := loadgen.ReadTreeUsage(r.col.PID)
	require.NoError(b, err)
	report(b, env, r, result{
		rate: rate, wall: wall, tallies: tallies, ledger: l, drained: drained,
		cpu: loadgen.CPUPercent(u0, u1, wall), ownCPU: loadgen.CPUPercent(own0, own1, wall),
		majorFaults: own1.MajorFaults - own0.MajorFaults,
		peakRSS:     peakRSS, ownPeakRSS: ownPeakRSS, endRSS: u2.RSS, exports: exports, gatewayExports: gwExports,
		machineBusy: loadgen.BusyPercent(machine0, machine1), cpus: machine1.CPUs,
		oomKills: oomKills,
	})
}

// causeOOMKills runs n OOM kills evenly spread over a load of length d,
// from the benchmark's goroutine while the generators run in theirs, and
// returns how many happened before ctx ended. The victims are born where
// the benchmark process is: in the client pod once the load pods exist.
func causeOOMKills(ctx context.Context, b *testing.B, n int, d time.Duration) int {
	done := 0
	for range n {
		select {
		case <-ctx.Done():
			return done
		case <-time.After(d / time.Duration(n+1)):
		}
		runIntoOOMKill(b)
		done++
	}
	return done
}

// exportCounts is what one sink has taken so far: requests, records, and
// their bytes as encoded and as sent (after the exporter's compression).
type exportCounts struct {
	requests, records, encoded, sent uint64
}

// countsOf reads a sink's counts; zero for no sink (the lite shape has no
// gateway).
func countsOf(s *loadgen.Sink) exportCounts {
	if s == nil {
		return exportCounts{}
	}
	encoded, sent := s.Bytes()
	return exportCounts{requests: s.Requests(), records: s.Records(), encoded: encoded, sent: sent}
}

// exportRate is how often an exporter sent during a run, with how many
// records a request and how many bytes a record: the pipeline's fixed
// cost is paid per batch, marshalling and compression per byte.
type exportRate struct {
	exportCounts
	wall time.Duration
}

// rateSince is what s took since c0, over wall.
func rateSince(s *loadgen.Sink, c0 exportCounts, wall time.Duration) exportRate {
	c := countsOf(s)
	return exportRate{exportCounts{
		requests: c.requests - c0.requests, records: c.records - c0.records,
		encoded: c.encoded - c0.encoded, sent: c.sent - c0.sent,
	}, wall}
}

func (e exportRate) perSecond() float64 { return float64(e.requests) / e.wall.Seconds() }

// perRecord is n over the records sent, 0 when none were.
func (e exportRate) perRecord(n uint64) float64 {
	if e.records == 0 {
		return 0
	}
	return float64(n) / float64(e.records)
}

func (e exportRate) String() string {
	per := 0.0
	if e.requests > 0 {
		per = float64(e.records) / float64(e.requests)
	}
	return fmt.Sprintf("%.0f export requests/s, %.1f records a request, %.0f bytes a record encoded, %.0f sent",
		e.perSecond(), per, e.perRecord(e.encoded), e.perRecord(e.sent))
}

func rateName(rate float64) string {
	if rate <= 0 {
		return "max"
	}
	return strconv.FormatFloat(rate, 'f', 0, 64)
}

// waitStable polls count until it has not changed for quiet, at most
// limit; it reports whether it settled.
func waitStable(count func() uint64, quiet, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	last, since := count(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if n := count(); n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return true
		}
	}
	return false
}
