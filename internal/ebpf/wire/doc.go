// Package wire decodes the samples Tapio's BPF programs write to the ring
// buffer, mirroring bpf/include/tapio_events.h at fixed little-endian
// offsets, with no cgo, unsafe or reflection.
package wire
