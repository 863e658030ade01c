package ebpfdecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// BenchmarkProcessorMix is tapio_unified as the agent runs it under `make
// bench-e2e` at 10,000 events/s: the real processor and decoders over the
// load's mix (10% exec, 10% journal, 20% CNI, 30% DNS, the rest TCP), one
// round of 50 events handed on as the receivers batch them, one batch per
// receiver. It lives here because the eBPF samples are built here; the CNI
// lines and journal entries are the other decoders' captured fixtures.
func BenchmarkProcessorMix(b *testing.B) {
	newRound := mixRound(b)
	// Every record of the mix decodes: a benchmark of records passed on
	// undecoded would measure the error path.
	for _, ld := range newRound() {
		for _, lr := range unifiedeventtest.Process(b, ld) {
			_, err := unifiedevent.FromLogRecord(lr)
			require.NoError(b, err)
		}
	}
	unifiedeventtest.Bench(b, newRound)
}

// Every event of the mix, with the attribute enrichment adds after it, fits
// the attribute room rawrecord.Batch.Append gives a record, so decoding
// never grows the slice.
func TestMixFitsAppendReservation(t *testing.T) {
	for _, ld := range mixRound(t)() {
		for _, lr := range unifiedeventtest.Process(t, ld) {
			kind, _ := lr.Attributes().Get(rawrecord.AttrKind)
			assert.LessOrEqual(t, lr.Attributes().Len()+1, rawrecord.ReservedAttrs, kind.Str())
		}
	}
}

// mixRound returns a function that appends a fresh round of the mix, as
// the receivers append their records.
func mixRound(b testing.TB) func() []plog.Logs {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	next := func() time.Time { at = at.Add(37 * time.Microsecond); return at }
	id := rawrecord.Identity{HostName: "node-1", NodeName: "node-1"}

	ebpfEmitter := rawrecord.NewEmitter(rawrecord.SourceEBPF, "1", id, "tapio/ebpfreceiver", "bench")
	exec := curlExec().bytes()
	exit := exitSample{hdr: hdr{cgroup: 8412, pid: 4242, tid: 4242, comm: "curl"}, ppid: 1}.bytes()
	query := egressQuery(b).bytes()
	answer := ingressResponse(answersPayload(b)).bytes()
	nxdomain := ingressResponse(response(b, dnsmessage.RCodeNameError, "nope.example.com.", dnsmessage.TypeA)).bytes()
	// A connection's life as tcp.state reports it: connect, established,
	// the close from this side.
	var tcp [][]byte
	for _, st := range [][2]uint32{{tcpClose, tcpSynSent}, {tcpSynSent, tcpEstablished}, {tcpEstablished, tcpFinWait1}, {tcpFinWait1, tcpClose}} {
		s := curlConnect()
		if st[1] != tcpSynSent {
			s.sport = 43210
		}
		s.oldState, s.newState = st[0], st[1]
		tcp = append(tcp, s.bytes())
	}
	// The load writes Calico's format, as the cni fixture has it.
	cniEmitter := rawrecord.NewEmitter(rawrecord.SourceCNI, "1", id, "tapio/cnireceiver", "bench")
	lines := unifiedeventtest.Lines(b, "../cnidecoder/testdata/calico.log")
	journalEmitter := rawrecord.NewEmitter(rawrecord.SourceSystemd, "1", id, "tapio/systemdreceiver", "bench")
	var entries [][]byte
	for _, s := range unifiedeventtest.Samples(b, "../systemddecoder/testdata/samples.txt") {
		if s.Kind == "journal.entry" {
			entries = append(entries, s.Body)
		}
	}

	return func() []plog.Logs {
		ebpf := ebpfEmitter.NewBatch()
		for range 2 {
			ebpf.Append("process.exec", exec, next())
			ebpf.Append("process.exit", exit, next())
		}
		// Eight queries: one goes unanswered, one answer is NXDOMAIN.
		for i := range 8 {
			ebpf.Append("dns", query, next())
			switch i {
			case 7:
			case 3:
				ebpf.Append("dns", nxdomain, next())
			default:
				ebpf.Append("dns", answer, next())
			}
		}
		for i := range 16 {
			ebpf.Append("tcp.state", tcp[i%len(tcp)], next())
		}
		cni := cniEmitter.NewBatch()
		for i := range 10 {
			lr := cni.Append("cni.line", lines[i%len(lines)], time.Time{})
			lr.Attributes().PutStr("log.file.path", "/var/log/calico/cni/cni.log")
		}
		journal := journalEmitter.NewBatch()
		for i := range 5 {
			journal.Append("journal.entry", entries[i%len(entries)], next())
		}
		return []plog.Logs{ebpf.Logs(), cni.Logs(), journal.Logs()}
	}
}
