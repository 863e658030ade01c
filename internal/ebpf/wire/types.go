package wire

import "strconv"

// Type is the event type in every sample's header (enum tapio_event_type).
type Type uint32

// Event types, as in bpf/include/tapio_events.h.
const (
	TypeExec          Type = 1
	TypeExit          Type = 2
	TypeOOMKill       Type = 3
	TypeTCPState      Type = 4
	TypeTCPReset      Type = 5
	TypeTCPRetransmit Type = 6
	TypeDNS           Type = 7
	// TypeMax sizes per-type arrays: valid types are 1 to TypeMax-1.
	TypeMax = 8
)

// Version is TAPIO_WIRE_VERSION, the version of this layout; the receiver
// records it as tapio.raw.version.
const Version = 1

// Header flags (enum tapio_event_flag).
const (
	// FlagTruncated: exec argv or DNS payload did not fit.
	FlagTruncated uint32 = 1 << 0
	// FlagEgress: a DNS packet leaving a local socket; clear on ingress.
	FlagEgress uint32 = 1 << 1
	// FlagResetSent: this host sent the TCP reset.
	FlagResetSent uint32 = 1 << 2
	// FlagResetReceived: this host received the TCP reset.
	FlagResetReceived uint32 = 1 << 3
	// FlagNoSocket: a reset sent with no socket; addresses come from the
	// packet it answered, cookie and states are zero.
	FlagNoSocket uint32 = 1 << 4
	// FlagFilenameTruncated: the exec filename filled its buffer.
	FlagFilenameTruncated uint32 = 1 << 5
)

// Sizes of the samples; "Fixed" is the part before a variable-length tail.
const (
	HeaderSize     = 48
	CommLen        = 16
	FilenameLen    = 256
	ArgvMax        = 512
	DNSPayloadMax  = 512
	ExecFixedSize  = 328
	ExecMaxSize    = ExecFixedSize + ArgvMax
	ExitSize       = 56
	OOMKillSize    = 120
	TCPSize        = 112
	DNSFixedSize   = 104
	DNSMaxSize     = DNSFixedSize + DNSPayloadMax
	addressLen     = 16
	afInet         = 2
	afInet6        = 10
	tcpStatesCount = 13
)

var kinds = [TypeMax]string{
	TypeExec:          "process.exec",
	TypeExit:          "process.exit",
	TypeOOMKill:       "oom.kill",
	TypeTCPState:      "tcp.state",
	TypeTCPReset:      "tcp.reset",
	TypeTCPRetransmit: "tcp.retransmit",
	TypeDNS:           "dns",
}

// Kind is the raw kind the receiver puts in tapio.raw.kind, or "" for an
// unknown type.
func Kind(t Type) string {
	if t >= TypeMax {
		return ""
	}
	return kinds[t]
}

// String returns the raw kind, or "type(N)" for an unknown type.
func (t Type) String() string {
	if k := Kind(t); k != "" {
		return k
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

var tcpStates = [tcpStatesCount]string{
	"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
}

// TCPStateName names a kernel TCP state (include/net/tcp_states.h), or
// returns "" for an unknown one.
func TCPStateName(state uint32) string {
	if state >= tcpStatesCount {
		return ""
	}
	return tcpStates[state]
}

// TCP states as the kernel numbers them.
const (
	TCPEstablished uint32 = 1
	TCPSynSent     uint32 = 2
	TCPSynRecv     uint32 = 3
	TCPFinWait1    uint32 = 4
	TCPFinWait2    uint32 = 5
	TCPTimeWait    uint32 = 6
	TCPClose       uint32 = 7
	TCPCloseWait   uint32 = 8
	TCPLastAck     uint32 = 9
	TCPListen      uint32 = 10
	TCPClosing     uint32 = 11
)
