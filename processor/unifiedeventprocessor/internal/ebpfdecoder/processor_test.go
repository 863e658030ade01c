package ebpfdecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// Through the real processor, as the eBPF receiver feeds it: samples become
// events carrying the semantic-convention attributes, and a bad sample
// passes on undecoded with its error.
func TestThroughTheProcessor(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 0, 5, 123, time.UTC)
	emitter := rawrecord.NewEmitter(rawrecord.SourceEBPF, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/ebpfreceiver", "test")
	b := emitter.NewBatch()
	b.Append("process.exec", curlExec().bytes(), at)
	b.Append("tcp.state", curlConnect().bytes(), at)
	b.Append("dns", egressQuery(t).bytes(), at)
	b.Append("oom.kill", curlExec().bytes(), at) // a mix-up

	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, 4)

	exec := readEvent(t, records[0])
	assert.Equal(t, unifiedevent.NameProcessExec, exec.Name)
	assert.Equal(t, "process.exec", exec.RawKind)
	assert.Equal(t, "1", exec.RawVersion)
	assert.Equal(t, at, exec.Time)
	assert.NotEmpty(t, exec.ID)
	assert.Equal(t, "curl -s http://example.com/", exec.Process.CommandLine)
	assertAttr(t, records[0], "process.pid", int64(4242))
	assertAttr(t, records[0], "process.executable.path", "/usr/bin/curl")

	connect := readEvent(t, records[1])
	assert.Equal(t, unifiedevent.NameTCPConnect, connect.Name)
	assertAttr(t, records[1], "network.peer.port", int64(443))
	assertAttr(t, records[1], "network.peer.address", "10.96.0.10")
	assertAttr(t, records[1], "network.connection.state", "syn_sent")

	dns := readEvent(t, records[2])
	assert.Equal(t, unifiedevent.NameDNSQuery, dns.Name)
	assertAttr(t, records[2], "dns.question.name", "example.com")
	assertAttr(t, records[2], "network.transport", "udp")

	bad := records[3]
	_, err := unifiedevent.FromLogRecord(bad)
	require.ErrorIs(t, err, unifiedevent.ErrNotUnifiedEvent)
	msg, ok := bad.Attributes().Get(unifiedevent.AttrDecodeError)
	require.True(t, ok)
	assert.Contains(t, msg.Str(), "ebpf oom.kill: sample type does not match the record's kind")
}

func readEvent(t *testing.T, lr plog.LogRecord) *unifiedevent.Event {
	t.Helper()
	ev, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	return ev
}

func assertAttr(t *testing.T, lr plog.LogRecord, key string, want any) {
	t.Helper()
	v, ok := lr.Attributes().Get(key)
	require.True(t, ok, key)
	assert.Equal(t, want, v.AsRaw(), key)
}

// The processor lends the decoders one Scratch for the whole batch, so each
// event is built where the last one was: every record must read back as
// the sample decodes alone, with nothing left over from the record before
// (a connect's process on the established that follows it, a response's
// answers on the next query).
func TestScratchLeavesNothingBehind(t *testing.T) {
	established := curlConnect()
	established.sport, established.oldState, established.newState = 43210, tcpSynSent, tcpEstablished
	samples := []struct {
		kind string
		body []byte
	}{
		{"process.exec", curlExec().bytes()},
		{"tcp.state", curlConnect().bytes()},
		{"tcp.state", established.bytes()},
		{"dns", ingressResponse(answersPayload(t)).bytes()},
		{"dns", egressQuery(t).bytes()},
		{"process.exit", exitSample{hdr: hdr{cgroup: 8412, pid: 4242, tid: 4242, comm: "curl"}, ppid: 1, exitCode: 3 << 8}.bytes()},
		{"process.exit", exitSample{hdr: hdr{pid: 7, comm: "true"}, ppid: 1}.bytes()},
	}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	emitter := rawrecord.NewEmitter(rawrecord.SourceEBPF, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/ebpfreceiver", "test")
	b := emitter.NewBatch()
	for _, s := range samples {
		b.Append(s.kind, s.body, at)
	}
	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, len(samples))
	for i, s := range samples {
		want := mustDecode(t, s.kind, s.body)
		got := readEvent(t, records[i])
		assert.Equal(t, want.Name, got.Name, i)
		assert.Equal(t, want.Message, got.Message, i)
		assert.Equal(t, want.Severity, got.Severity, i)
		assert.Equal(t, want.Process, got.Process, i)
		assert.Equal(t, want.Kernel, got.Kernel, i)
		assert.Equal(t, want.Network, got.Network, i)
	}
}
