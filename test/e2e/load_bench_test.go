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
	loadRates    = flag.String("load.rates", "1000,10000,50000,max", "events per second BenchmarkAgentLoad drives, comma-separated; max runs unpaced")
	loadIdle     = flag.Duration("load.idle", 30*time.Second, "how long BenchmarkAgentLoad/idle measures an idle collector")
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
	before, err := loadgen.ReadUsage(r.col.PID)
	require.NoError(b, err)
	start := time.Now()
	select {
	case <-time.After(*loadIdle):
	case <-b.Context().Done():
	}
	after, err := loadgen.ReadUsage(r.col.PID)
	require.NoError(b, err)
	b.ReportMetric(loadgen.CPUPercent(before, after, time.Since(start)), "cpu%")
	b.ReportMetric(mb(after.RSS), "rss-MB")
	b.ReportMetric(ms(r.ready), "ready-ms")
	b.Logf("idle %s: cpu %.2f%% of one core, rss %.1f MB, start to ready %s, %d records exported meanwhile (host events)",
		*loadIdle, loadgen.CPUPercent(before, after, time.Since(start)), mb(after.RSS), r.ready, r.sink.Records())
}

// Records one operation of each generator causes, as measured here: an
// exec and its exit; the DNS query and answer, each seen leaving one socket
// and entering the other; a loopback connection's state changes on both
// ends (connect, established, resets, closes). They turn a target rate of
// events into operations; the collector's own read counter reports the
// rate it really saw.
// maxSchedule is the "max" rate's schedule, in events per second.
const maxSchedule = 200_000

var eventsPerOp = map[string]float64{"exec": 2, "journal": 1, "cni": 1, "dns": 4, "tcp": 8}

// share is one generator's part of a run.
type share struct {
	name    string
	rate    float64 // operations per second; 0 runs unpaced
	workers int
	op      loadgen.Op
}

// mix splits a rate of events into the generators' operations: 10% exec,
// 10% journal, 20% CNI lines, 30% DNS, the rest TCP. Exec is capped at
// 400/s (fork and exec cost the machine far more than their events cost
// the collector) and the journal at 5,000 lines/s (one unit's stream);
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
		"journal": min(0.10*rate, 5000),
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
	shares, closeDNS := env.mix(b, r, rate)
	defer closeDNS()

	ctx, cancel := context.WithCancel(b.Context())
	m0, err := loadgen.Scrape(ctx, r.cfg.MetricsURL())
	require.NoError(b, err)
	u0, err := loadgen.ReadUsage(r.col.PID)
	require.NoError(b, err)
	peak := sample(ctx, r.col.PID, 100*time.Millisecond)
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
	wg.Wait()
	wall := time.Since(start)
	u1, err := loadgen.ReadUsage(r.col.PID)
	require.NoError(b, err)
	cancel()
	peakRSS := peak()
	r.closeFiles()

	// Drain: the pipeline is idle again once the sink has had nothing new
	// for a second.
	// Host events keep arriving, so only the load's own records count.
	drained := waitStable(func() uint64 { return r.sink.Classes(allLoadClasses...) }, time.Second, 30*time.Second)
	m1, err := loadgen.Scrape(b.Context(), r.cfg.MetricsURL())
	require.NoError(b, err)
	u2, err := loadgen.ReadUsage(r.col.PID)
	require.NoError(b, err)

	l := newLedger(m0, m1, r.sink)
	p, timed := r.sink.Latency([]float64{0.5, 0.99}, kernelClasses...)
	files, _ := r.sink.Latency([]float64{0.99}, classCNI)
	journal, _ := r.sink.Latency([]float64{0.99}, classJournal)
	cpu := loadgen.CPUPercent(u0, u1, wall)
	var ops, missing uint64
	var lines []string
	for _, t := range tallies {
		ops += t.Done
		exported := r.sink.Class(opClasses[t.Name])
		if exported < t.Done {
			missing += t.Done - exported
		}
		line := fmtOps(t) + fmt.Sprintf(", exported %d", exported)
		if t.FirstErr != nil {
			line += fmt.Sprintf(", first error: %v", t.FirstErr)
		}
		lines = append(lines, line)
	}
	b.ReportMetric(float64(ops)/wall.Seconds(), "ops/s")
	b.ReportMetric(float64(l.readDuring)/wall.Seconds(), "events/s")
	b.ReportMetric(cpu, "cpu%")
	b.ReportMetric(mb(peakRSS), "rss-peak-MB")
	b.ReportMetric(mb(u2.RSS), "rss-end-MB")
	b.ReportMetric(ms(p[0]), "p50-ms")
	b.ReportMetric(ms(p[1]), "p99-ms")
	b.ReportMetric(ms(files[0]), "cni-p99-ms")
	b.ReportMetric(ms(journal[0]), "journal-p99-ms")
	b.ReportMetric(float64(l.lostKernel), "lost-kernel")
	b.ReportMetric(float64(l.dropped), "dropped")
	b.ReportMetric(float64(l.unaccounted()), "unaccounted")
	b.ReportMetric(float64(missing), "ops-missing")
	b.Logf("rate %s for %s: %.0f ops/s, collector read %.0f events/s; cpu %.1f%% of one core; rss peak %.1f MB, end %.1f MB; "+
		"kernel event latency p50 %s p99 %s over %d records; drained: %v",
		rateName(rate), wall.Round(time.Millisecond), float64(ops)/wall.Seconds(), float64(l.readDuring)/wall.Seconds(), cpu,
		mb(peakRSS), mb(u2.RSS), p[0].Round(10*time.Microsecond), p[1].Round(10*time.Microsecond), timed, drained)
	b.Logf("ledger: produced %d operations, %d of them missing from the export; %s", ops, missing, l)
	b.Logf("load records by class: %s", r.sink.Summary())
	b.Logf("operations: %s", strings.Join(lines, "; "))
	b.Logf("journal: %d lines written, %d stored by journald, %d exported", tallyOf(tallies, "journal").Done, env.journalStored(b, r), r.sink.Class(classJournal))
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

func tallyOf(ts []loadgen.Tally, name string) loadgen.Tally {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return loadgen.Tally{Name: name}
}
