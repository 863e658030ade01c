package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// idDomain starts every hashed input, so ids of a later scheme cannot
// collide with these.
const idDomain = "tapio.incident.id/v1"

// hashOf hashes length-prefixed parts, so ("ab","c") and ("a","bc") differ.
func hashOf(parts ...string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, p := range append([]string{idDomain}, parts...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
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

func spanID(incidentID, part string) pcommon.SpanID {
	sum := hashOf("span", incidentID, part)
	var s pcommon.SpanID
	copy(s[:], sum[:8])
	return s
}
