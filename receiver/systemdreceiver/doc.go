// Package systemdreceiver watches systemd units and their journal: unit
// state changes arrive as D-Bus signals (no polling), journal entries from
// a followed journalctl, and each is emitted unparsed as a raw log record.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package systemdreceiver
