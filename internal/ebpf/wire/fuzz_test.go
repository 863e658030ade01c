package wire

import (
	"testing"
)

// FuzzParse feeds arbitrary bytes to every parser: none may panic, and a
// successful parse must have stayed inside the sample.
func FuzzParse(f *testing.F) {
	for _, s := range []sample{
		execSample("sh\x00-c\x00exit 3\x00"), newSample(TypeExit, ExitSize),
		newSample(TypeOOMKill, OOMKillSize), tcpSample(TypeTCPState),
		tcpSample(TypeTCPReset), dnsSample([]byte{1, 2, 3}), newSample(0, HeaderSize),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, herr := ParseHeader(b)
		ev, err := Parse(b)
		if err != nil {
			return
		}
		if herr != nil {
			t.Fatalf("Parse succeeded where ParseHeader failed: %v", herr)
		}
		need := 0
		switch e := ev.(type) {
		case ExecEvent:
			need = ExecFixedSize + int(le.Uint32(b[68:]))
			if len(e.Filename) > FilenameLen {
				t.Fatalf("filename of %d bytes", len(e.Filename))
			}
		case ExitEvent:
			need = ExitSize
		case OOMKillEvent:
			need = OOMKillSize
		case TCPEvent:
			need = TCPSize
		case DNSEvent:
			need = DNSFixedSize + len(e.Payload)
			if len(e.Payload) > DNSPayloadMax || cap(e.Payload) != len(e.Payload) {
				t.Fatalf("payload len %d cap %d", len(e.Payload), cap(e.Payload))
			}
		default:
			t.Fatalf("unexpected event %T for %s", ev, h.Type)
		}
		if len(b) < need {
			t.Fatalf("%s parsed from %d bytes, layout needs %d", h.Type, len(b), need)
		}
		if len(h.Comm) > CommLen {
			t.Fatalf("comm of %d bytes", len(h.Comm))
		}
	})
}
