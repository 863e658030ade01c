package ebpfreceiver

import (
	"encoding/binary"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver/internal/metadata"
)

// BenchmarkAppendSample is the user-side cost of turning one ring-buffer
// sample into a raw record once the reader has copied it out: framing the
// header, converting the kernel clock, keeping the sample and building the
// record when its batch of 512 is handed on. The read itself is measured
// under real kernel load in internal/ebpf.
func BenchmarkAppendSample(b *testing.B) {
	r, err := newEBPFReceiver(receivertest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	r.clock = ebpf.NewBootTimeOffset()
	r.emitter = rawrecord.NewEmitter(rawrecord.SourceEBPF, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "s", "v")

	// A TCP state sample, the most frequent kind on a busy node.
	sample := make([]byte, wire.TCPSize)
	binary.LittleEndian.PutUint64(sample[0:], 123456789)
	binary.LittleEndian.PutUint32(sample[16:], uint32(wire.TypeTCPState))

	var read rawrecord.Pending
	b.ReportAllocs()
	for b.Loop() {
		r.appendSample(&read, sample)
		if read.Len() == 512 {
			r.emitter.Build(&read)
			read.Reset()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
