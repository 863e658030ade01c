package ebpfdecoder

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/yairfalse/tapio/internal/decode"
)

// The address cache gives the same text as formatting, and stays within
// its bound however many addresses a batch names.
func TestAddrTextCacheIsBounded(t *testing.T) {
	var s decode.Scratch
	for _, a := range []string{"10.96.0.10", "2606:2800:220:1::1946", "::ffff:10.0.0.1"} {
		addr := netip.MustParseAddr(a)
		assert.Equal(t, addr.String(), addrText(&s, addr))
		assert.Equal(t, addr.String(), addrText(&s, addr), "from the cache")
		assert.Equal(t, addr.String(), addrText(nil, addr))
	}
	assert.Empty(t, addrText(&s, netip.IPv4Unspecified()))
	for i := range 3 * maxAddrs {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		assert.Equal(t, addr.String(), addrText(&s, addr))
	}
	sc := s.Use(scratchSlot, newScratch).(*scratch)
	assert.LessOrEqual(t, len(sc.addrs), maxAddrs)
}
