package decode

import (
	"fmt"
	"sync/atomic"
)

// Scratch lends decoders memory for the events they return, reused from
// one record to the next. An event and its parts cost a decoder one
// allocation of 500-800 bytes per record, which the GC reclaims right after
// the event is written onto the record; built in a Scratch instead, they
// cost none. The caller must be done with an event (written it out, kept
// no pointer into it) before it decodes the next record with the same
// Scratch, and must not share one between goroutines. A nil Scratch means
// the caller keeps its events, and decoders allocate them as before.
type Scratch struct {
	v [maxSlots]any
}

// Slot is one decoder package's place in every Scratch.
type Slot int

// maxSlots bounds the packages that keep scratch: one per source's
// decoders is all there is.
const maxSlots = 8

var nextSlot atomic.Int32

// NewSlot reserves a place in every Scratch. A decoder package calls it
// once, when it is initialised.
func NewSlot() Slot {
	n := nextSlot.Add(1) - 1
	if n >= maxSlots {
		panic(fmt.Sprintf("decode: %d scratch slots, at most %d", n+1, maxSlots))
	}
	return Slot(n)
}

// Use returns what the slot holds, made by newValue the first time. The
// value keeps whatever the last record left in it: the decoder clears what
// it reuses.
func (s *Scratch) Use(slot Slot, newValue func() any) any {
	v := s.v[slot]
	if v == nil {
		v = newValue()
		s.v[slot] = v
	}
	return v
}
