package unifiedevent

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// The benchmarks use fullEvent, every part filled: an upper bound, since a
// real event carries two or three parts.

func BenchmarkWriteTo(b *testing.B) {
	e := fullEvent()
	lr := plog.NewLogRecord()
	b.ReportAllocs()
	for b.Loop() {
		e.WriteTo(lr)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkFromLogRecord(b *testing.B) {
	lr := plog.NewLogRecord()
	fullEvent().WriteTo(lr)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromLogRecord(lr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWriteToTypical is a tcp.connect as the eBPF decoder will make it.
func BenchmarkWriteToTypical(b *testing.B) {
	e := envelope(NameTCPConnect, SourceEBPF, "tcp.state")
	e.Process = &Process{PID: 4121, ExecutableName: "java"}
	e.Kernel = &Kernel{CgroupID: 8412}
	e.Network = &Network{Transport: "tcp", Type: "ipv4", LocalAddress: "10.244.1.17",
		PeerAddress: "10.96.0.10", PeerPort: 5432, State: "syn_sent"}
	lr := plog.NewLogRecord()
	b.ReportAllocs()
	for b.Loop() {
		e.WriteTo(lr)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkNewID(b *testing.B) {
	body := make([]byte, 256)
	b.ReportAllocs()
	for b.Loop() {
		NewID(SourceEBPF, "tcp.state", testTime, body)
	}
}
