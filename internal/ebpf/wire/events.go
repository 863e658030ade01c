package wire

import "net/netip"

// Header is the 48-byte header that starts every sample.
type Header struct {
	// TsNs is CLOCK_BOOTTIME in nanoseconds; see ebpf.BootTimeOffset.
	TsNs uint64
	// CgroupID is a cgroup v2 id (the directory's inode); which task or
	// socket it belongs to depends on the type.
	CgroupID uint64
	Type     Type
	// PID is the tgid of the task that was current.
	PID   uint32
	TID   uint32
	Flags uint32
	Comm  string
}

// ExecEvent is a process exec (tp_btf/sched_process_exec).
type ExecEvent struct {
	Header
	PPID     uint32
	UID      uint32
	GID      uint32
	PIDNS    uint32
	MntNS    uint32
	Filename string
	// Args are the first captured arguments, argv[0] included; the last
	// one may be cut when FlagTruncated is set.
	Args []string
}

// ExitEvent is a process exit, one per process (tp_btf/sched_process_exit).
type ExitEvent struct {
	Header
	PPID uint32
	// ExitCode is the raw wait status; see Signal and Status.
	ExitCode uint32
}

// Signal is the signal that killed the process, or 0.
func (e ExitEvent) Signal() uint32 { return e.ExitCode & 0x7f }

// Status is the exit status the process passed to exit.
func (e ExitEvent) Status() uint32 { return (e.ExitCode >> 8) & 0xff }

// OOMKillEvent is an OOM kill (tp_btf/mark_victim). The header names the
// task that hit the limit; the Victim fields name the killed one.
type OOMKillEvent struct {
	Header
	// MemcgID is the kernfs id (inode) of the victim's memory cgroup, a v1
	// memory hierarchy directory or a v2 cgroup.
	MemcgID        uint64
	VictimCgroupID uint64
	// Memory in pages.
	TotalVM     uint64
	AnonRSS     uint64
	FileRSS     uint64
	ShmemRSS    uint64
	VictimPID   uint32
	OOMScoreAdj int32
	VictimComm  string
}

// TCPEvent is a TCP state change, reset or retransmit; for resets and
// retransmits OldState and NewState are both the socket's state.
type TCPEvent struct {
	Header
	SockCookie uint64
	// SkCgroupID is the socket's own cgroup v2 id, 0 when unknown.
	SkCgroupID uint64
	Family     uint16
	Protocol   uint16
	SrcPort    uint16
	DstPort    uint16
	Src        netip.Addr
	Dst        netip.Addr
	OldState   uint32
	NewState   uint32
}

// DNSEvent is a UDP datagram to or from port 53 (cgroup_skb).
type DNSEvent struct {
	Header
	SockCookie uint64
	Ifindex    uint32
	Family     uint16
	SrcPort    uint16
	DstPort    uint16
	// PayloadLen is the UDP payload's real length; Payload may be shorter.
	PayloadLen uint16
	Src        netip.Addr
	Dst        netip.Addr
	// Payload aliases the parsed sample; copy it to keep it.
	Payload []byte
}

// Egress reports whether the packet left a local socket.
func (e DNSEvent) Egress() bool { return e.Flags&FlagEgress != 0 }
