// Package ebpfreceiver reads Tapio's kernel events (process exec and exit,
// OOM kills, TCP state changes, resets and retransmits, DNS packets) from one
// CO-RE BPF program and emits each ring-buffer sample, unparsed, as a raw
// log record.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package ebpfreceiver
