// Package systemdtest boots a real systemd for tests: the host's own
// file system, read-only, under `systemd-nspawn --volatile=yes -b`, with its
// own D-Bus system bus and journald, reachable from the host through
// /proc/<pid>/root.
//
// A real systemd is the only honest peer for a receiver that reads unit
// state over D-Bus and entries from the journal: the signal order, the
// property types and journalctl's output all come from the real thing. A
// boot takes about a second, so every test can have its own.
package systemdtest
