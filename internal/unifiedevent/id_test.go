package unifiedevent

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewIDDeterministic(t *testing.T) {
	body := []byte(`{"pid":4121}`)
	a := NewID(SourceEBPF, "oom.kill", testTime, body)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), a)
	require.Equal(t, a, NewID(SourceEBPF, "oom.kill", testTime, append([]byte(nil), body...)))
	// Only the instant counts, not the zone it is expressed in.
	require.Equal(t, a, NewID(SourceEBPF, "oom.kill", testTime.In(time.FixedZone("X", -7200)), body))
}

func TestNewIDSensitivity(t *testing.T) {
	base := NewID("ebpf", "oom.kill", testTime, []byte("body"))
	variants := map[string]string{
		"source":     NewID("cni", "oom.kill", testTime, []byte("body")),
		"raw kind":   NewID("ebpf", "oom.kil", testTime, []byte("body")),
		"time ns":    NewID("ebpf", "oom.kill", testTime.Add(time.Nanosecond), []byte("body")),
		"time s":     NewID("ebpf", "oom.kill", testTime.Add(time.Second), []byte("body")),
		"body":       NewID("ebpf", "oom.kill", testTime, []byte("bodz")),
		"empty body": NewID("ebpf", "oom.kill", testTime, nil),
	}
	seen := map[string]string{base: "base"}
	for name, id := range variants {
		other, dup := seen[id]
		require.False(t, dup, "%s collides with %s", name, other)
		seen[id] = name
	}
}

// TestNewIDFieldBoundaries checks the length prefixes: moving bytes across a
// field boundary must change the id.
func TestNewIDFieldBoundaries(t *testing.T) {
	cases := [][2]string{
		{NewID("ab", "c", testTime, nil), NewID("a", "bc", testTime, nil)},
		{NewID("a", "", testTime, []byte("b")), NewID("a", "b", testTime, nil)},
		{NewID("", "ab", testTime, nil), NewID("ab", "", testTime, nil)},
	}
	for i, c := range cases {
		require.NotEqual(t, c[0], c[1], "case %d", i)
	}
}

func TestNewIDExtremeTimes(t *testing.T) {
	zero := NewID("s", "k", time.Time{}, nil)
	far := NewID("s", "k", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	require.NotEqual(t, zero, far)
	require.Equal(t, zero, NewID("s", "k", time.Time{}, nil))
}

// The id is exactly what id.go documents, spelled out here apart from
// NewID: SHA-256 over the domain, source, raw kind (each after its length
// as 8 bytes big-endian), the instant as 8 bytes of seconds and 4 of
// nanoseconds, and the length-prefixed body; the first 16 bytes in hex. A
// faster NewID must keep every id it ever gave.
func TestNewIDIsTheDocumentedHash(t *testing.T) {
	field := func(b []byte) []byte {
		return append(binary.BigEndian.AppendUint64(nil, uint64(len(b))), b...)
	}
	reference := func(source, kind string, ts time.Time, body []byte) string {
		var in []byte
		in = append(in, field([]byte("tapio.event.id/v1"))...)
		in = append(in, field([]byte(source))...)
		in = append(in, field([]byte(kind))...)
		in = binary.BigEndian.AppendUint64(in, uint64(ts.Unix()))
		in = binary.BigEndian.AppendUint32(in, uint32(ts.Nanosecond()))
		in = append(in, field(body)...)
		sum := sha256.Sum256(in)
		return hex.EncodeToString(sum[:16])
	}
	long := bytes.Repeat([]byte("journal entry "), 100)
	for _, c := range []struct {
		source, kind string
		ts           time.Time
		body         []byte
	}{
		{SourceEBPF, "tcp.state", testTime, []byte{1, 2, 3}},
		{SourceSystemd, "journal.entry", testTime, long},
		{SourceCNI, "cni.line", time.Time{}, nil},
		{"", "", time.Date(1960, 1, 1, 0, 0, 0, 5, time.UTC), []byte{}},
		{strings.Repeat("s", 300), strings.Repeat("k", 300), testTime, long},
	} {
		require.Equal(t, reference(c.source, c.kind, c.ts, c.body), NewID(c.source, c.kind, c.ts, c.body))
	}
	require.Equal(t, "f579dea29f7f10b41fb23a48c397f122", NewID(SourceEBPF, "tcp.state", testTime, []byte{1, 2, 3}), "pinned")
}
