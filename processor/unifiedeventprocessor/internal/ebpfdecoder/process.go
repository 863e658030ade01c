package ebpfdecoder

import (
	"strconv"
	"strings"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// execParts holds an exec event and its parts in one allocation; the event
// points into it. Decoding runs once per sample at ring-buffer rates, and
// one allocation instead of four is most of the cost saved.
type execParts struct {
	ev  unifiedevent.Event
	p   unifiedevent.Process
	k   unifiedevent.Kernel
	uid int64
}

func decodeExec(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error) {
	e, err := wire.ParseExec(b)
	if err != nil {
		return nil, err
	}
	if err := checkType(e.Header, want); err != nil {
		return nil, err
	}
	cgroup, err := toInt64("cgroup id", e.CgroupID)
	if err != nil {
		return nil, err
	}
	x := lend(s, func(sc *scratch) *execParts { return &sc.exec })
	x.uid = int64(e.UID)
	x.p = unifiedevent.Process{
		PID:       int64(e.PID),
		ParentPID: int64(e.PPID),
		// The kernel side reads bpf_get_current_uid_gid, the real uid. It
		// is the effective uid process.user.id asks for except right after
		// exec of a setuid image.
		UserID:         &x.uid,
		ExecutableName: text(e.Comm),
		// A path cut by FlagFilenameTruncated stays as captured: a marker
		// would make it a path that does not exist. The message says it.
		ExecutablePath: text(e.Filename),
		CommandLine:    commandLine(e.Args, e.Flags&wire.FlagTruncated != 0),
	}
	x.k = unifiedevent.Kernel{CgroupID: cgroup, PIDNamespace: int64(e.PIDNS), MountNamespace: int64(e.MntNS)}
	x.ev = unifiedevent.Event{Name: unifiedevent.NameProcessExec, Process: &x.p, Kernel: &x.k}
	decode.SeverityInfo.Set(&x.ev)

	var buf [msgSize]byte
	m := append(buf[:0], "exec "...)
	if x.p.ExecutablePath != "" {
		m = append(m, x.p.ExecutablePath...)
	} else {
		m = append(m, x.p.ExecutableName...)
	}
	if e.Flags&wire.FlagFilenameTruncated != 0 {
		m = append(m, "… (path cut)"...)
	}
	m = append(m, " (pid "...)
	m = strconv.AppendUint(m, uint64(e.PID), 10)
	m = append(m, ", parent "...)
	m = strconv.AppendUint(m, uint64(e.PPID), 10)
	m = append(m, ')')
	x.ev.Message = string(m)
	return &x.ev, nil
}

// commandLine joins the captured arguments with spaces, quoting nothing
// (process.command_line is the raw form), and marks a cut argv with " …".
// Nothing captured (argv_bytes 0, or the read failed) is no command line,
// not a bare marker.
func commandLine(args []string, truncated bool) string {
	if len(args) == 0 {
		return ""
	}
	n := len(args) - 1
	for _, a := range args {
		n += len(a)
	}
	const mark = " …"
	if truncated {
		n += len(mark)
	}
	var sb strings.Builder
	sb.Grow(n)
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(a)
	}
	if truncated {
		sb.WriteString(mark)
	}
	return text(sb.String())
}

type exitParts struct {
	ev   unifiedevent.Event
	p    unifiedevent.Process
	k    unifiedevent.Kernel
	code int64
}

func decodeExit(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error) {
	e, err := wire.ParseExit(b)
	if err != nil {
		return nil, err
	}
	if err := checkType(e.Header, want); err != nil {
		return nil, err
	}
	cgroup, err := toInt64("cgroup id", e.CgroupID)
	if err != nil {
		return nil, err
	}
	x := lend(s, func(sc *scratch) *exitParts { return &sc.exit })
	x.p = unifiedevent.Process{PID: int64(e.PID), ParentPID: int64(e.PPID), ExecutableName: text(e.Comm)}
	x.ev = unifiedevent.Event{Name: unifiedevent.NameProcessExit, Process: &x.p}
	// The pid is gone once the event is read; the cgroup is what still
	// ties the exit to a container.
	x.k.CgroupID = cgroup

	var buf [msgSize]byte
	m := appendProc(buf[:0], x.p.ExecutableName, e.PID)
	if sig := e.Signal(); sig != 0 {
		x.k.Signal = int64(sig)
		m = append(m, " killed by signal "...)
		m = strconv.AppendUint(m, uint64(sig), 10)
		if name := signalName(sig); name != "" {
			m = append(m, " ("...)
			m = append(m, name...)
			m = append(m, ')')
		}
		if e.ExitCode&0x80 != 0 {
			m = append(m, ", core dumped"...)
		}
		signalSeverity(sig).Set(&x.ev)
	} else {
		x.code = int64(e.Status())
		x.p.ExitCode = &x.code
		m = append(m, " exit status "...)
		m = strconv.AppendInt(m, x.code, 10)
		if x.code == 0 {
			decode.SeverityInfo.Set(&x.ev)
		} else {
			decode.SeverityWarn.Set(&x.ev)
		}
	}
	if x.k != (unifiedevent.Kernel{}) {
		x.ev.Kernel = &x.k
	}
	x.ev.Message = string(m)
	return &x.ev, nil
}

// Linux signal numbers 1–31; amd64 and arm64 share them.
var signalNames = [32]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
	31: "SIGSYS",
}

func signalName(sig uint32) string {
	if sig < uint32(len(signalNames)) {
		return signalNames[sig]
	}
	return ""
}

// signalSeverity makes the kills that mean a crash or the OOM killer
// errors; other signals (SIGTERM at a rollout, SIGINT, SIGPIPE) are how
// processes are routinely stopped, so a warning.
func signalSeverity(sig uint32) decode.Severity {
	switch sig {
	case 9, 11, 6, 7: // SIGKILL, SIGSEGV, SIGABRT, SIGBUS
		return decode.SeverityError
	}
	return decode.SeverityWarn
}
