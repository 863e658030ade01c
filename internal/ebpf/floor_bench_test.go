package ebpf

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// BenchmarkKernelFloor measures what this machine charges any program on
// the exec tracepoint before it does Tapio's work: an empty program, then
// one that makes n calls to the cheapest helper (the boot clock, which
// the exec program needs once anyway). It puts BenchmarkKernelExec's
// figure in context: the same program costs different amounts on
// different kinds of virtual machine, and the floor and per-helper price
// say how much of it is the machine's.
func BenchmarkKernelFloor(b *testing.B) {
	for _, calls := range []int{0, 1, 4, 16} {
		b.Run("helper_calls="+strconv.Itoa(calls), func(b *testing.B) {
			var insns asm.Instructions
			for range calls {
				insns = append(insns, asm.FnKtimeGetBootNs.Call())
			}
			insns = append(insns, asm.Mov.Imm(asm.R0, 0), asm.Return())
			floorCost(b, insns)
		})
	}
}

func floorCost(b *testing.B, insns asm.Instructions) {
	openProbe(b, configFor()) // the same root and BTF checks as every kernel test
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "tapio_floor", Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp,
		AttachTo: "sched_process_exec", License: "GPL", Instructions: insns,
	})
	if err != nil {
		b.Fatalf("load: %v", err)
	}
	defer prog.Close()
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		b.Fatalf("attach: %v", err)
	}
	defer l.Close()
	stats, err := EnableRunStats()
	if err != nil {
		b.Skipf("kernel refuses BPF run-time stats: %v", err)
	}
	defer stats.Close()
	before, err := prog.Stats()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	after, err := prog.Stats()
	if err != nil {
		b.Fatal(err)
	}
	runs := after.RunCount - before.RunCount
	if runs == 0 {
		b.Fatal("the program never ran")
	}
	b.ReportMetric(float64(after.Runtime-before.Runtime)/float64(runs), "ns/event")
}
