package wire

import (
	"testing"
)

// Each benchmark reports events/s on one core and allocations per event.
func benchParse[E any](b *testing.B, s []byte, parse func([]byte) (E, error)) {
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := parse(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkParseExec(b *testing.B) {
	benchParse(b, execSample("/usr/bin/curl\x00-sS\x00https://example.invalid/\x00"), ParseExec)
}
func BenchmarkParseExit(b *testing.B) { benchParse(b, newSample(TypeExit, ExitSize), ParseExit) }
func BenchmarkParseOOMKill(b *testing.B) {
	benchParse(b, newSample(TypeOOMKill, OOMKillSize), ParseOOMKill)
}
func BenchmarkParseTCP(b *testing.B) { benchParse(b, tcpSample(TypeTCPState), ParseTCP) }
func BenchmarkParseDNS(b *testing.B) {
	benchParse(b, dnsSample(make([]byte, 40)), ParseDNS)
}
func BenchmarkParseHeader(b *testing.B) { benchParse(b, tcpSample(TypeTCPState), ParseHeader) }
