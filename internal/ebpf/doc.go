// Package ebpf loads Tapio's CO-RE BPF object (bpf/tapio.c), attaches each
// hook on its own, and hands ring-buffer samples and loss counters to the
// eBPF receiver, which decodes them with package wire.
package ebpf

// The object is built for both arches from the same x86-dumped vmlinux.h;
// CO-RE relocates every kernel field at load (see bpf/README.md).
//go:generate go tool -modfile=../tools/go.mod bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 -type event_header -type exec_event -type exit_event -type oom_event -type tcp_event -type dns_event -type tapio_config -type rate_bucket -type tapio_event_type -type tapio_event_flag tapio ../../bpf/tapio.c -- -I../../bpf/include -I../../bpf/include/x86
