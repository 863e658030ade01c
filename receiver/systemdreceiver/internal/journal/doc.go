// Package journal follows the systemd journal through a journalctl
// subprocess and hands on its JSON lines, untouched, one entry per line.
//
// journalctl rather than a library: the shipped collector is built with
// CGO off, which rules out libsystemd (go-systemd's sdjournal), and no
// pure-Go reader of journal files handles every compression and compact
// mode that systemd writes. journalctl is the reference reader, keeps up
// with the journal's format, resumes from a cursor and follows with
// inotify, so an idle journal costs nothing.
package journal
