package cnidecoder_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
)

// The benchmarks measure decoding alone, entry bytes to *Event, against the
// issue's target of 500,000 lines/s on one core (-cpu 1).

func benchDecode(b *testing.B, name string) {
	var raws []decode.Raw
	var size int64
	for _, fx := range fixtures {
		if fx.name == name || name == "" {
			for _, body := range entries(b, fx.name) {
				raws = append(raws, raw(body, fx.path))
				size += int64(len(body))
			}
		}
	}
	b.SetBytes(size / int64(len(raws)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, err := cnidecoder.Decode(raws[i%len(raws)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	// CPU time per line holds up better than wall time on a shared
	// machine, where other processes take the core away.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/line")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeMix cycles through every fixture entry of every family.
func BenchmarkDecodeMix(b *testing.B)    { benchDecode(b, "") }
func BenchmarkDecodeCalico(b *testing.B) { benchDecode(b, "calico") }
func BenchmarkDecodeCilium(b *testing.B) { benchDecode(b, "cilium") }
func BenchmarkDecodeMultus(b *testing.B) { benchDecode(b, "multus") }
func BenchmarkDecodeAWS(b *testing.B)    { benchDecode(b, "aws") }
