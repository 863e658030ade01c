package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// idDomain starts every hashed input, so ids of a later scheme cannot
// collide with these.
const idDomain = "tapio.incident.id/v1"

// hashOf hashes length-prefixed parts, so ("ab","c") and ("a","bc") differ.
func hashOf(parts ...string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	write := func(p string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	write(idDomain)
	for _, p := range parts {
		write(p)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// incidentID derives the id from the rule, the key and the event that
// started the group: the same input gives the same incident, and a second
// incident for one key needs a new starting event, not a clock.
func incidentID(rule, key, firstEventID string) string {
	sum := hashOf(rule, key, firstEventID)
	return hex.EncodeToString(sum[:16])
}

// traceID is the incident id itself, both being 16 bytes: a backend
// search by either finds the other.
func traceID(incidentID string) pcommon.TraceID {
	var t pcommon.TraceID
	if b, err := hex.DecodeString(incidentID); err == nil && len(b) == len(t) {
		copy(t[:], b)
	}
	return t
}

// spanID is FNV-1a over the incident id and the member's event id: span
// ids need to be stable and distinct within one trace, not secret, and
// one is made per kept member, where SHA-256 showed in profiles.
func spanID(incidentID, part string) pcommon.SpanID {
	h := fnv.New64a()
	h.Write([]byte(incidentID))
	h.Write([]byte{0})
	h.Write([]byte(part))
	var s pcommon.SpanID
	binary.BigEndian.PutUint64(s[:], h.Sum64())
	return s
}
