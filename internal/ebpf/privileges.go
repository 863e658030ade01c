package ebpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// kernelBTFPath is a variable so a test can point it at a missing file.
var kernelBTFPath = "/sys/kernel/btf/vmlinux"

var (
	// ErrNotPermitted: the process may not load BPF programs.
	ErrNotPermitted = errors.New("loading eBPF programs needs root or the CAP_BPF and CAP_PERFMON capabilities (CAP_NET_ADMIN too for DNS)")
	// ErrNoBTF: the kernel exposes no BTF, which CO-RE needs.
	ErrNoBTF = errors.New("the kernel has no BTF at /sys/kernel/btf/vmlinux (build it with CONFIG_DEBUG_INFO_BTF=y)")
	// ErrNoHooks: every enabled hook failed; HookStatus has each reason.
	ErrNoHooks = errors.New("no eBPF hook could be attached")
)

// preflight names the missing prerequisite before the kernel is asked, so
// the error is one clear sentence rather than a verifier log.
func preflight() error {
	if _, err := os.Stat(kernelBTFPath); err != nil {
		return ErrNoBTF
	}
	if !privileged() {
		return ErrNotPermitted
	}
	return nil
}

// privileged reports CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON, in the
// effective set.
func privileged() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		// Without an answer, let the kernel decide on load.
		return true
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	return has(unix.CAP_SYS_ADMIN) || (has(unix.CAP_BPF) && has(unix.CAP_PERFMON))
}

// permissionError turns the kernel's EPERM into ErrNotPermitted. The
// verifier's rejections come as EACCES and stay what they are.
func permissionError(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w: %w", ErrNotPermitted, err)
	}
	return err
}

// CheckSupport reports whether this process on this kernel can run Tapio's
// tracepoint hooks: BTF, privileges, and a tiny tp_btf program that must
// load. It does not use features.HaveProgramType(ebpf.Tracing): that probe
// loads an fentry program, which kernels without trampolines refuse even
// when tp_btf works.
func CheckSupport() error {
	if err := preflight(); err != nil {
		return err
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:       "tapio_probe",
		Type:       ebpf.Tracing,
		AttachType: ebpf.AttachTraceRawTp,
		AttachTo:   "sched_process_exit",
		License:    "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	})
	if err != nil {
		return fmt.Errorf("load a tp_btf probe program: %w", permissionError(err))
	}
	return prog.Close()
}
