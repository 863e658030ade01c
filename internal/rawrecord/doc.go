// Package rawrecord builds the one record shape every Tapio receiver emits: a
// log record whose body is the payload exactly as read, tagged with where it
// came from, on a resource that names the host and node.
//
// Receivers only collect, so this is the whole of their output contract (see
// DESIGN.md, "Raw record"). Building it in one place keeps the attribute
// names, the resource and the timestamp rules identical across sources.
package rawrecord
