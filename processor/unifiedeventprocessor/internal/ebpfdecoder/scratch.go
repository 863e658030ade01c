package ebpfdecoder

import (
	"net/netip"

	"github.com/yairfalse/tapio/internal/decode"
)

var scratchSlot = decode.NewSlot()

// scratch holds one bundle of each kind in a processor's decode.Scratch,
// reused record after record: at ring-buffer rates the bundle was the
// largest allocation of a kernel event.
type scratch struct {
	tcp  tcpParts
	dns  dnsParts
	exec execParts
	exit exitParts
	oom  oomParts
	// addrs caches addresses' text (addrText); unlike the bundles it
	// outlives the record, holding only immutable strings.
	addrs map[netip.Addr]string
}

// maxAddrs bounds the address cache.
const maxAddrs = 1024

func newScratch() any { return new(scratch) }

// lend returns the bundle pick names in s, cleared of the last record's
// event, or a new one when the caller lends no Scratch.
func lend[T any](s *decode.Scratch, pick func(*scratch) *T) *T {
	if s == nil {
		return new(T)
	}
	p := pick(s.Use(scratchSlot, newScratch).(*scratch))
	var zero T
	*p = zero
	return p
}
