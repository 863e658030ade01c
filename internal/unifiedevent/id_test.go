package unifiedevent

import (
	"regexp"
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
