package rawrecord_test

import (
	"testing"
	"time"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// BenchmarkAppendThenDecode is a raw record's life in the agent: appended
// by a receiver, then rewritten in place by tapio_unified (WriteTo) with a
// typical kernel event. Append sizes the attributes for both, so this is
// the figure that says whether that sizing pays.
func BenchmarkAppendThenDecode(b *testing.B) {
	e := rawrecord.NewEmitter(rawrecord.SourceEBPF, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "s", "v")
	payload := make([]byte, 128)
	now := time.Now()
	ev := &unifiedevent.Event{
		Name: unifiedevent.NameTCPState, ID: "0123456789abcdef", Source: "ebpf",
		RawKind: "tcp.state", RawVersion: "1", Time: now, ObservedTime: now,
		Message: "tcp 10.0.0.1:40000 -> 10.0.0.2:80 syn_sent -> established",
		Process: &unifiedevent.Process{PID: 4242, ExecutableName: "curl"},
		Kernel:  &unifiedevent.Kernel{CgroupID: 1234},
		Network: &unifiedevent.Network{Transport: "tcp", Type: "ipv4", LocalAddress: "10.0.0.1", LocalPort: 40000, PeerAddress: "10.0.0.2", PeerPort: 80, State: "established", OldState: "syn_sent"},
	}
	b.ReportAllocs()
	batch := e.NewBatch()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			batch = e.NewBatch()
		}
		ev.WriteTo(batch.Append("tcp.state", payload, now))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
