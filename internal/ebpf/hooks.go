package ebpf

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/yairfalse/tapio/internal/cgroupv2"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// HookStatus tells whether one kernel hook runs, and why not.
type HookStatus struct {
	// Name is the hook: a tracepoint name or cgroup_skb/ingress|egress.
	Name string
	// Program is the BPF program's name, as bpftool lists it.
	Program string
	// Type is the event type the hook produces.
	Type     wire.Type
	Attached bool
	// Err is why the hook failed to load or attach; nil when attached or
	// when its type was not enabled.
	Err error
}

// hook binds a program in the object to its attach point.
type hook struct {
	name    string
	program string
	typ     wire.Type
	attach  func(prog *ebpf.Program, cgroupPath string) (link.Link, error)
}

func attachTracepoint(prog *ebpf.Program, _ string) (link.Link, error) {
	return link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
}

func attachCgroup(at ebpf.AttachType) func(*ebpf.Program, string) (link.Link, error) {
	return func(prog *ebpf.Program, path string) (link.Link, error) {
		if path == "" {
			return nil, fmt.Errorf("no cgroup v2 mount found (tried %v)", cgroupv2.DefaultMounts)
		}
		return link.AttachCgroup(link.CgroupOptions{Path: path, Attach: at, Program: prog})
	}
}

// hooks lists every hook in attach order: lifecycle first, so a process
// that starts while the rest attach is still seen.
var hooks = []hook{
	{"sched_process_exec", tapioProgTapioExec, wire.TypeExec, attachTracepoint},
	{"sched_process_exit", tapioProgTapioExit, wire.TypeExit, attachTracepoint},
	{"mark_victim", tapioProgTapioOomKill, wire.TypeOOMKill, attachTracepoint},
	{"inet_sock_set_state", tapioProgTapioTcpState, wire.TypeTCPState, attachTracepoint},
	{"tcp_send_reset", tapioProgTapioRstSent, wire.TypeTCPReset, attachTracepoint},
	{"tcp_receive_reset", tapioProgTapioRstRecv, wire.TypeTCPReset, attachTracepoint},
	{"tcp_retransmit_skb", tapioProgTapioRetrans, wire.TypeTCPRetransmit, attachTracepoint},
	{"cgroup_skb/egress", tapioProgTapioDnsOut, wire.TypeDNS, attachCgroup(ebpf.AttachCGroupInetEgress)},
	{"cgroup_skb/ingress", tapioProgTapioDnsIn, wire.TypeDNS, attachCgroup(ebpf.AttachCGroupInetIngress)},
}

// loadProgram loads one program against the already created maps, so one
// the verifier rejects costs only its own hook.
func loadProgram(spec *ebpf.CollectionSpec, name string, maps map[string]*ebpf.Map) (*ebpf.Program, error) {
	ps, ok := spec.Programs[name]
	if !ok {
		return nil, fmt.Errorf("program %s is not in the object", name)
	}
	sub := &ebpf.CollectionSpec{
		Maps:      spec.Maps,
		Programs:  map[string]*ebpf.ProgramSpec{name: ps},
		Types:     spec.Types,
		ByteOrder: spec.ByteOrder,
	}
	coll, err := ebpf.NewCollectionWithOptions(sub, ebpf.CollectionOptions{MapReplacements: maps})
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	return coll.DetachProgram(name), nil
}
