package engine

import (
	"hash/maphash"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFieldHashesMatchFreshHashes: a sum is the same whether its strings
// were remembered or not, whether equal text is shared or copied, and a
// prefix sharing a string's bytes is not taken for the whole string.
func TestFieldHashesMatchFreshHashes(t *testing.T) {
	s := newSummer()
	whole := strings.Repeat("payments-api", 3)
	prefix := whole[:len("payments-api")]
	s.forget()
	first := s.sum(1, "ns", whole)
	require.Equal(t, first, s.sum(1, "ns", whole), "remembered")
	require.Equal(t, first, s.sum(1, strings.Clone("ns"), strings.Clone(whole)), "equal text stored elsewhere")
	require.NotEqual(t, first, s.sum(1, "ns", prefix), "a prefix at the same address is another string")

	s.forget()
	require.Equal(t, s.sum(1, "ns", prefix), s.sum(1, "ns", strings.Clone(prefix)))
	a, b := s.known.field(s, prefix)
	require.Equal(t, maphash.String(s.a, prefix), a)
	require.Equal(t, maphash.String(s.b, prefix), b)

	// More strings than entries: the rest are hashed each time, same sums.
	s.forget()
	parts := make([]string, 3*len(s.known.e))
	for i := range parts {
		parts[i] = strings.Repeat("x", i+1)
	}
	got := s.sum(9, parts...)
	s.forget()
	require.Equal(t, got, s.sum(9, parts...))
}
