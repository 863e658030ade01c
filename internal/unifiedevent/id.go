package unifiedevent

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// idDomain starts every hashed input so that a future id scheme, given its
// own domain string, cannot produce the same ids as this one.
const idDomain = "tapio.event.id/v1"

// NewID derives an event id from the raw record, so the same record
// delivered twice (receiver restart, retry after export failure) gets the
// same id and downstream consumers can deduplicate it.
//
// Every variable-length input is prefixed with its length. Plain
// concatenation would hash ("ab", "c") and ("a", "bc") identically; with the
// lengths in front each input's bytes are unambiguous. The id is the first 16
// bytes of SHA-256 in hex: 128 bits keep accidental collisions out of reach
// for any node's lifetime, and SHA-256 is in the standard library.
func NewID(source, rawKind string, ts time.Time, body []byte) string {
	// Everything before the body is laid out in one buffer and written at
	// once rather than in five small writes. Names too long for it (no
	// receiver writes such) take the same bytes through append.
	var buf [128]byte
	b := buf[:0]
	b = appendField(b, idDomain)
	b = appendField(b, source)
	b = appendField(b, rawKind)
	// Seconds and nanoseconds separately: UnixNano overflows outside
	// 1678..2262 and the id must not depend on that. Fixed width needs no
	// length prefix; the time zone does not matter, only the instant.
	b = binary.BigEndian.AppendUint64(b, uint64(ts.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(ts.Nanosecond()))
	b = binary.BigEndian.AppendUint64(b, uint64(len(body)))

	h := sha256.New()
	h.Write(b)
	h.Write(body)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// appendField appends s after its length, 8 bytes big-endian.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}
