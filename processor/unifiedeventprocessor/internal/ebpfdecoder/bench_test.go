package ebpfdecoder_test

import (
	"testing"

	"github.com/yairfalse/tapio/internal/decode"
)

// The benchmarks measure decoding alone, sample bytes to *Event, against
// the target of 1,000,000 events/s on one core (-cpu 1).

func benchDecode(b *testing.B, kind string, body []byte) {
	d := decoder(b, kind)
	raw := decode.Raw{Source: "ebpf", Kind: kind, Version: "1", Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecodeExec(b *testing.B) {
	s := curlExec()
	s.filename = "/usr/lib/jvm/java-21-openjdk-amd64/bin/java"
	s.argv = argv("java", "-Xmx512m", "-XX:+UseG1GC", "-Dspring.profiles.active=prod", "-jar", "/app/cart.jar", "--server.port=8080")
	benchDecode(b, "process.exec", s.bytes())
}

func BenchmarkDecodeTCPState(b *testing.B) {
	s := curlConnect()
	s.sport, s.oldState, s.newState = 43210, tcpSynSent, tcpEstablished
	benchDecode(b, "tcp.state", s.bytes())
}

// BenchmarkDecodeDNS is a response with a CNAME and two addresses, the
// heavier half of a lookup.
func BenchmarkDecodeDNS(b *testing.B) {
	benchDecode(b, "dns", ingressResponse(answersPayload(b)).bytes())
}

func BenchmarkDecodeDNSQuery(b *testing.B) {
	benchDecode(b, "dns", egressQuery(b).bytes())
}
