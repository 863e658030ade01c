package e2e

import (
	"fmt"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// Receiver counters of records read, and the counters of records that
// did not make it: together with the sinks' counts they must add up.
var (
	readMetrics = []string{
		"otelcol_tapio_ebpf_events_read", "otelcol_tapio_cni_entries_read", "otelcol_tapio_systemd_events_read",
		"otelcol_tapio_k8s_watch_events_received",
	}
	// droppedMetrics count records lost before the pipeline forks to the
	// backend and gateway legs: missing from both.
	droppedMetrics = []string{
		"otelcol_tapio_ebpf_events_dropped", "otelcol_tapio_cni_entries_dropped", "otelcol_tapio_systemd_events_dropped", "otelcol_tapio_k8s_watch_events_refused",
		"otelcol_processor_dropped_log_records",
	}
	// exporterFailedMetrics count records one exporter could not send:
	// missing from its leg only, so they are summed per exporter.
	exporterFailedMetrics = []string{
		"otelcol_exporter_send_failed_log_records", "otelcol_exporter_enqueue_failed_log_records",
	}
)

// ledger is one run's account of records: read by the receivers over the
// collector's life, lost in the kernel before they could be read, shed by
// the kernel rate limit, dropped inside the pipeline, and exported to the
// backend; in the shipped shape also what the gateway leg exported and
// dropped, which must add up to the same reads on its own.
type ledger struct {
	read, readDuring uint64
	lostKernel, shed uint64
	// oomLost and reserved are the OOM kills among lostKernel, and those
	// the reserve ring kept from being lost (read, so also in read).
	oomLost, reserved     uint64
	dropped               uint64
	exported, lossRecords uint64

	gateway               bool
	gwDropped, gwExported uint64
	gwLossRecords         uint64
}

// exportCount is what one sink took: records that are the receivers'
// reads (not the connector's incidents, not the filelog peer's), and of
// them the receivers' own loss reports.
type exportCount struct{ records, loss uint64 }

// newLedger accounts with the receivers' counters before and after the
// load, the backend sink's counts, and the gateway sink's when gw is set.
func newLedger(before, after loadgen.Metrics, backendID string, backend exportCount, gw *exportCount) ledger {
	sum := func(m loadgen.Metrics, names []string, labels ...string) uint64 {
		var total float64
		for _, n := range names {
			// Exporters name counters with or without the _total suffix.
			total += m.Sum(n, labels...) + m.Sum(n+"_total", labels...)
		}
		return uint64(total)
	}
	forked := sum(after, droppedMetrics)
	l := ledger{
		read:        sum(after, readMetrics),
		readDuring:  sum(after, readMetrics) - sum(before, readMetrics),
		lostKernel:  sum(after, []string{"otelcol_tapio_ebpf_events_lost"}),
		shed:        sum(after, []string{"otelcol_tapio_ebpf_events_shed"}),
		oomLost:     sum(after, []string{"otelcol_tapio_ebpf_events_lost"}, `kind="oom.kill"`),
		reserved:    sum(after, []string{"otelcol_tapio_ebpf_events_reserved"}),
		dropped:     forked + sum(after, exporterFailedMetrics, `exporter="`+backendID+`"`),
		exported:    backend.records,
		lossRecords: backend.loss,
	}
	if gw != nil {
		l.gateway = true
		l.gwDropped = forked + sum(after, exporterFailedMetrics, `exporter="`+loadgen.GatewayExporter+`"`)
		l.gwExported, l.gwLossRecords = gw.records, gw.loss
	}
	return l
}

// unaccounted is what was read and neither exported nor counted as
// dropped; loss reports are records the receivers add, not ones they read.
func (l ledger) unaccounted() int64 {
	return int64(l.read) - int64(l.dropped) - (int64(l.exported) - int64(l.lossRecords))
}

// gwUnaccounted is the same account for the gateway leg; 0 without one.
func (l ledger) gwUnaccounted() int64 {
	if !l.gateway {
		return 0
	}
	return int64(l.read) - int64(l.gwDropped) - (int64(l.gwExported) - int64(l.gwLossRecords))
}

func (l ledger) String() string {
	s := fmt.Sprintf("read %d, lost in kernel %d (OOM kills %d; %d kept by the reserve ring), shed %d, dropped in pipeline %d, exported %d (+%d loss reports), unaccounted %d",
		l.read, l.lostKernel, l.oomLost, l.reserved, l.shed, l.dropped, l.exported-l.lossRecords, l.lossRecords, l.unaccounted())
	if l.gateway {
		s += fmt.Sprintf("; gateway leg: dropped %d, exported %d (+%d loss reports), unaccounted %d",
			l.gwDropped, l.gwExported-l.gwLossRecords, l.gwLossRecords, l.gwUnaccounted())
	}
	return s
}
