// Package trimextension gives back, once the collector is ready, the memory
// it needed only to start.
//
// Starting touches code and data all over the executable: every package's
// initialisation, config decoding, the BPF loader, the informers' first
// lists. The kernel maps those file-backed pages into the collector's
// resident set in large chunks (read-around and fault-around, tens to
// hundreds of KiB a touch), and the Go heap keeps the start-up garbage's
// pages until its scavenger gets to them. An agent on every node then
// carries, for its whole life, tens of MB it used for half a second.
//
// At the collector's Ready notification the extension asks the kernel to
// page out the executable's read-only mappings (madvise MADV_PAGEOUT, after
// MADV_RANDOM so that what is used again is read back a page at a time,
// not a read-around window) and returns the heap's free pages to the
// operating system (debug.FreeOSMemory). The pages the steady state uses
// come back on first touch; the rest stay on disk. Clean file pages are
// dropped from the page cache, so the node gets the memory back, not only
// the collector's resident-set figure.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package trimextension
