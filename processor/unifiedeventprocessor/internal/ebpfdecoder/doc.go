// Package ebpfdecoder turns the eBPF receiver's ring-buffer samples into
// UnifiedEvents, one decoder per raw kind, mapping kernel fields to the
// schema's semantic-convention fields.
package ebpfdecoder
