package e2e

import (
	"fmt"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// Receiver counters of records read, and the counters of records that
// did not make it: together with the sink's count they must add up.
var (
	readMetrics = []string{
		"otelcol_tapio_ebpf_events_read", "otelcol_tapio_cni_entries_read", "otelcol_tapio_systemd_events_read",
		"otelcol_tapio_k8s_watch_events_received",
	}
	droppedMetrics = []string{
		"otelcol_tapio_cni_entries_dropped", "otelcol_tapio_systemd_events_dropped", "otelcol_tapio_k8s_watch_events_refused",
		"otelcol_exporter_send_failed_log_records", "otelcol_exporter_enqueue_failed_log_records",
		"otelcol_processor_dropped_log_records",
	}
)

// ledger is one run's account of records: read by the receivers over the
// collector's life, lost in the kernel before they could be read, shed by
// the kernel rate limit, dropped inside the pipeline, and exported.
type ledger struct {
	read, readDuring      uint64
	lostKernel, shed      uint64
	dropped               uint64
	exported, lossRecords uint64
}

// newLedger accounts with the receivers' counters before and after the
// load and the sink's counts of records and loss reports.
func newLedger(before, after loadgen.Metrics, exported, lossRecords uint64) ledger {
	sum := func(m loadgen.Metrics, names ...string) uint64 {
		var total float64
		for _, n := range names {
			// Exporters name counters with or without the _total suffix.
			total += m.Sum(n) + m.Sum(n+"_total")
		}
		return uint64(total)
	}
	return ledger{
		read:        sum(after, readMetrics...),
		readDuring:  sum(after, readMetrics...) - sum(before, readMetrics...),
		lostKernel:  sum(after, "otelcol_tapio_ebpf_events_lost"),
		shed:        sum(after, "otelcol_tapio_ebpf_events_shed"),
		dropped:     sum(after, droppedMetrics...),
		exported:    exported,
		lossRecords: lossRecords,
	}
}

// unaccounted is what was read and neither exported nor counted as
// dropped; loss reports are records the receivers add, not ones they read.
func (l ledger) unaccounted() int64 {
	return int64(l.read) - int64(l.dropped) - (int64(l.exported) - int64(l.lossRecords))
}

func (l ledger) String() string {
	return fmt.Sprintf("read %d, lost in kernel %d, shed %d, dropped in pipeline %d, exported %d (+%d loss reports), unaccounted %d",
		l.read, l.lostKernel, l.shed, l.dropped, l.exported-l.lossRecords, l.lossRecords, l.unaccounted())
}
