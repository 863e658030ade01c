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
	h := sha256.New()
	var buf [12]byte
	writeField := func(b []byte) {
		binary.BigEndian.PutUint64(buf[:8], uint64(len(b)))
		h.Write(buf[:8])
		h.Write(b)
	}
	writeField([]byte(idDomain))
	writeField([]byte(source))
	writeField([]byte(rawKind))
	// Seconds and nanoseconds separately: UnixNano overflows outside
	// 1678..2262 and the id must not depend on that. Fixed width needs no
	// length prefix; the time zone does not matter, only the instant.
	binary.BigEndian.PutUint64(buf[:8], uint64(ts.Unix()))
	binary.BigEndian.PutUint32(buf[8:12], uint32(ts.Nanosecond()))
	h.Write(buf[:12])
	writeField(body)

	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
