// Package decode is the seam between raw records and UnifiedEvents: the
// Decoder interface each source implements, and the Registry that picks a
// decoder by a record's tapio.source and tapio.raw.kind.
package decode
