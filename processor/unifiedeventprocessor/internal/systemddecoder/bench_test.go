package systemddecoder_test

import (
	"strings"
	"testing"

	"github.com/yairfalse/tapio/internal/decode"
)

// The benchmarks measure decoding alone, payload bytes to *Event, against
// the target of 200,000 events/s on one core (-cpu 1).

func benchSample(b *testing.B, kind string, pick func(s sample) bool) {
	for _, s := range samples(b) {
		if s.Kind != kind || !pick(s) {
			continue
		}
		d := decoder(b, kind)
		raw := decode.Raw{Source: "systemd", Kind: kind, Version: "1", Body: s.Body}
		b.SetBytes(int64(len(s.Body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Decode(raw); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		return
	}
	b.Fatal("no such sample")
}

func contains(sub string) func(s sample) bool {
	return func(s sample) bool { return strings.Contains(string(s.Body), sub) }
}

// BenchmarkDecodeUnitFailed is a failure with its restart count and exit
// status: the unit.state record that matters most.
func BenchmarkDecodeUnitFailed(b *testing.B) {
	benchSample(b, "unit.state", contains(`"NRestarts":2,"ExecMainCode":1`))
}

// BenchmarkDecodeJournalSystemd is one of systemd's own lines about a
// unit, the longest kind of entry (about 1.3 KB of JSON).
func BenchmarkDecodeJournalSystemd(b *testing.B) {
	benchSample(b, "journal.entry", contains("Failed with result"))
}

// BenchmarkDecodeJournalStdout is a line a service wrote to stderr.
func BenchmarkDecodeJournalStdout(b *testing.B) {
	benchSample(b, "journal.entry", contains(`"_TRANSPORT":"stdout","_SYSTEMD_UNIT":"kubelet.service"`))
}
