package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// result is one rate's measurements, before they are reported.
type result struct {
	rate    float64
	wall    time.Duration
	tallies []loadgen.Tally
	ledger  ledger
	drained bool
	cpu     float64
	// ownCPU is the collector process alone, without its children
	// (journalctl): cpu minus ownCPU is what they cost.
	ownCPU          float64
	peakRSS, endRSS uint64
	// ownPeakRSS is the collector's alone, without the journalctl child.
	ownPeakRSS uint64
	// majorFaults are the collector's reads from disk during the load:
	// reclaimed pages of its binary it needed back. 0 on a machine with
	// memory to spare; with the executable paged out at start (measured
	// and not taken, BENCHMARKS.md) they were 1,000-1,700.
	majorFaults uint64
	exports     exportRate
	// gatewayExports is the load_balancing leg's, in the shipped shape.
	gatewayExports exportRate
	// machineBusy is how busy the machine's cores were, collector and load
	// generators together, in percent of all of them.
	machineBusy float64
	cpus        int
	// oomKills are the OOM kills the benchmark caused during the load.
	oomKills int
}

// settleLedger reads the receivers' counters until every record they
// read is exported or counted as dropped: records read just before the
// scrape may still be in the pipeline. The sink is counted before each
// scrape, so a record read after the scrape cannot make up for one lost
// before it. It gives up after ten seconds and reports what is left.
func settleLedger(b *testing.B, r *run, before loadgen.Metrics) ledger {
	b.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The filelog peer's records are read by a receiver outside the
		// ledger's counters, and incidents are made by the connector, not
		// read: both are reported apart.
		// The gateway gets neither: its records are all reads.
		backend := exportCount{records: r.sink.Records() - r.sink.Classes(classFilelog, classIncident), loss: r.sink.Class(classLoss)}
		var gw *exportCount
		if r.gateway != nil {
			gw = &exportCount{records: r.gateway.Records(), loss: r.gateway.Class(classLoss)}
		}
		m, err := loadgen.Scrape(b.Context(), r.cfg.MetricsURL())
		require.NoError(b, err)
		l := newLedger(before, m, r.cfg.BackendID(), backend, gw)
		if (l.unaccounted() <= 0 && l.gwUnaccounted() <= 0) || time.Now().After(deadline) {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func report(b *testing.B, env *loadEnv, r *run, res result) {
	p, timed := r.sink.Latency([]float64{0.5, 0.99}, kernelClasses...)
	cni, _ := r.sink.Latency([]float64{0.99}, classCNI)
	journal, _ := r.sink.Latency([]float64{0.99}, classJournal)
	stored := uint64(env.journalStored(b, r))

	// An operation is missing when its one marked record never arrived.
	// Journal lines journald itself did not keep are its loss, not the
	// collector's, and are counted apart.
	var ops, missing, journaldLost uint64
	var lines []string
	for _, t := range res.tallies {
		ops += t.Done
		produced := t.Done
		if t.Name == "journal" && stored < produced {
			journaldLost, produced = produced-stored, stored
		}
		exported := r.sink.Class(opClasses[t.Name])
		if exported < produced {
			missing += produced - exported
		}
		line := fmtOps(t) + fmt.Sprintf(", exported %d", exported)
		if t.FirstErr != nil {
			line += fmt.Sprintf(", first error: %v", t.FirstErr)
		}
		lines = append(lines, line)
	}
	read := float64(res.ledger.readDuring) / res.wall.Seconds()
	b.ReportMetric(float64(ops)/res.wall.Seconds(), "ops/s")
	b.ReportMetric(read, "events/s")
	b.ReportMetric(res.cpu, "cpu%")
	b.ReportMetric(res.ownCPU, "own-cpu%")
	// CPU per event read, which the machine's other work moves less than
	// the percentage: % of one core over events/s, in microseconds.
	if read > 0 {
		b.ReportMetric(res.cpu*1e4/read, "us/event")
	}
	b.ReportMetric(res.exports.perSecond(), "exports/s")
	b.ReportMetric(res.exports.perRecord(res.exports.encoded), "B/record")
	b.ReportMetric(res.exports.perRecord(res.exports.sent), "sent-B/record")
	b.ReportMetric(res.machineBusy, "machine-busy%")
	b.ReportMetric(mb(res.peakRSS), "rss-peak-MB")
	b.ReportMetric(mb(res.ownPeakRSS), "own-rss-peak-MB")
	b.ReportMetric(mb(res.endRSS), "rss-end-MB")
	b.ReportMetric(float64(res.majorFaults), "major-faults")
	b.ReportMetric(ms(p[0]), "p50-ms")
	b.ReportMetric(ms(p[1]), "p99-ms")
	b.ReportMetric(ms(cni[0]), "cni-p99-ms")
	b.ReportMetric(ms(journal[0]), "journal-p99-ms")
	b.ReportMetric(float64(res.ledger.lostKernel), "lost-kernel")
	b.ReportMetric(float64(res.ledger.dropped), "dropped")
	b.ReportMetric(float64(res.ledger.unaccounted()), "unaccounted")
	if r.gateway != nil {
		b.ReportMetric(res.gatewayExports.perSecond(), "gw-exports/s")
		b.ReportMetric(res.gatewayExports.perRecord(res.gatewayExports.sent), "gw-sent-B/record")
		b.ReportMetric(float64(res.ledger.gwUnaccounted()), "gw-unaccounted")
	}
	b.ReportMetric(float64(missing), "ops-missing")
	if res.oomKills > 0 {
		// Every OOM kill on the host is counted: the benchmark's are
		// normally the only ones, and more exported than caused says
		// another happened.
		oomExported := r.sink.Class(classOOMKill)
		latency, _ := r.sink.Latency([]float64{0.5, 1}, classOOMKill)
		b.ReportMetric(float64(oomExported), "oom-exported")
		b.ReportMetric(float64(res.ledger.reserved), "oom-reserved")
		b.ReportMetric(ms(latency[1]), "oom-max-ms")
		b.Logf("OOM kills: %d caused during the load, %d exported (latency p50 %s, max %s), %d kept by the reserve ring while the ring buffer was full, %d lost",
			res.oomKills, oomExported, latency[0].Round(10*time.Microsecond), latency[1].Round(10*time.Microsecond), res.ledger.reserved, res.ledger.oomLost)
	}
	b.ReportMetric(ms(r.ready), "ready-ms")
	if r.cpuCgroup != nil {
		// Over the collector's life: one collector runs one rate.
		throttled, err := r.cpuCgroup.ThrottledTime()
		require.NoError(b, err)
		b.ReportMetric(ms(throttled), "throttled-ms")
	}
	b.Logf("rate %s for %s: %.0f ops/s, collector read %.0f events/s; cpu %.1f%% of one core; rss peak %.1f MB (the collector alone %.1f), end %.1f MB; "+
		"kernel event latency p50 %s p99 %s over %d records; drained: %v",
		rateName(res.rate), res.wall.Round(time.Millisecond), float64(ops)/res.wall.Seconds(), read, res.cpu,
		mb(res.peakRSS), mb(res.ownPeakRSS), mb(res.endRSS), p[0].Round(10*time.Microsecond), p[1].Round(10*time.Microsecond), timed, res.drained)
	if r.gateway != nil {
		b.Logf("gateway (load_balancing) during the load: %s", res.gatewayExports)
	}
	b.Logf("exporter during the load: %s; the machine's %d cores were %.0f%% busy (collector, load generators, journald, kernel)",
		res.exports, res.cpus, res.machineBusy)
	b.Logf("ledger: produced %d operations, %d missing from the export, %d journal lines journald did not keep; %s",
		ops, missing, journaldLost, res.ledger)
	b.Logf("load records by class: %s", r.sink.Summary())
	if r.gateway != nil {
		b.Logf("at the gateway: %s", r.gateway.Summary())
	}
	if n := r.sink.Class(classIncident); n > 0 {
		b.Logf("incident records from tapio_correlation: %d", n)
	}
	b.Logf("operations: %s", strings.Join(lines, "; "))
	if env.filelog {
		q, n := r.sink.Latency([]float64{0.5, 0.99}, classFilelog)
		b.ReportMetric(ms(q[1]), "filelog-p99-ms")
		b.Logf("peer: contrib filelog read %d of the %d CNI lines, latency p50 %s p99 %s (tapio_cni p99 %s)",
			n, tallyOf(res.tallies, "cni").Done, q[0].Round(10*time.Microsecond), q[1].Round(10*time.Microsecond), cni[0].Round(10*time.Microsecond))
	}
	if env.pods != nil {
		env.pods.report(b, r.sink)
	}
}

func tallyOf(ts []loadgen.Tally, name string) loadgen.Tally {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return loadgen.Tally{Name: name}
}
