package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

var (
	// ErrTruncated: the sample is shorter than its type's layout says.
	ErrTruncated = errors.New("truncated sample")
	// ErrUnknownType: the header names no known event type.
	ErrUnknownType = errors.New("unknown event type")
	// ErrWrongType: a Parse function got a sample of another type.
	ErrWrongType = errors.New("wrong event type")
	// ErrMalformed: a length or family field contradicts the layout.
	ErrMalformed = errors.New("malformed sample")
)

var le = binary.LittleEndian

func truncated(t Type, got, need int) error {
	return fmt.Errorf("%w: %s sample is %d bytes, needs %d", ErrTruncated, t, got, need)
}

// ParseHeader decodes the common header and checks the type is known.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: header is %d bytes, needs %d", ErrTruncated, len(b), HeaderSize)
	}
	h := Header{
		TsNs:     le.Uint64(b[0:]),
		CgroupID: le.Uint64(b[8:]),
		Type:     Type(le.Uint32(b[16:])),
		PID:      le.Uint32(b[20:]),
		TID:      le.Uint32(b[24:]),
		Flags:    le.Uint32(b[28:]),
		Comm:     cString(b[32 : 32+CommLen]),
	}
	if Kind(h.Type) == "" {
		return h, fmt.Errorf("%w: %d", ErrUnknownType, uint32(h.Type))
	}
	return h, nil
}

// header parses the header of a sample expected to be of type want and at
// least min bytes long.
func header(b []byte, want Type, min int) (Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, err
	}
	if h.Type != want {
		return h, fmt.Errorf("%w: %s sample given to the %s parser", ErrWrongType, h.Type, want)
	}
	if len(b) < min {
		return h, truncated(want, len(b), min)
	}
	return h, nil
}

// ParseExec decodes a process.exec sample: 328 bytes plus argv_len.
func ParseExec(b []byte) (ExecEvent, error) {
	h, err := header(b, TypeExec, ExecFixedSize)
	if err != nil {
		return ExecEvent{}, err
	}
	argvLen := int(le.Uint32(b[68:]))
	if argvLen > ArgvMax {
		return ExecEvent{}, fmt.Errorf("%w: %s argv_len %d exceeds %d", ErrMalformed, TypeExec, argvLen, ArgvMax)
	}
	if len(b) < ExecFixedSize+argvLen {
		return ExecEvent{}, truncated(TypeExec, len(b), ExecFixedSize+argvLen)
	}
	return ExecEvent{
		Header:   h,
		PPID:     le.Uint32(b[48:]),
		UID:      le.Uint32(b[52:]),
		GID:      le.Uint32(b[56:]),
		PIDNS:    le.Uint32(b[60:]),
		MntNS:    le.Uint32(b[64:]),
		Filename: cString(b[72 : 72+FilenameLen]),
		Args:     splitArgs(b[ExecFixedSize : ExecFixedSize+argvLen]),
	}, nil
}

// ParseExit decodes a process.exit sample.
func ParseExit(b []byte) (ExitEvent, error) {
	h, err := header(b, TypeExit, ExitSize)
	if err != nil {
		return ExitEvent{}, err
	}
	return ExitEvent{
		Header:   h,
		PPID:     le.Uint32(b[48:]),
		ExitCode: le.Uint32(b[52:]),
	}, nil
}

// ParseOOMKill decodes an oom.kill sample.
func ParseOOMKill(b []byte) (OOMKillEvent, error) {
	h, err := header(b, TypeOOMKill, OOMKillSize)
	if err != nil {
		return OOMKillEvent{}, err
	}
	return OOMKillEvent{
		Header:         h,
		MemcgID:        le.Uint64(b[48:]),
		VictimCgroupID: le.Uint64(b[56:]),
		TotalVM:        le.Uint64(b[64:]),
		AnonRSS:        le.Uint64(b[72:]),
		FileRSS:        le.Uint64(b[80:]),
		ShmemRSS:       le.Uint64(b[88:]),
		VictimPID:      le.Uint32(b[96:]),
		OOMScoreAdj:    int32(le.Uint32(b[100:])),
		VictimComm:     cString(b[104 : 104+CommLen]),
	}, nil
}

// ParseTCP decodes a tcp.state, tcp.reset or tcp.retransmit sample.
func ParseTCP(b []byte) (TCPEvent, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return TCPEvent{}, err
	}
	switch h.Type {
	case TypeTCPState, TypeTCPReset, TypeTCPRetransmit:
	default:
		return TCPEvent{}, fmt.Errorf("%w: %s sample given to the tcp parser", ErrWrongType, h.Type)
	}
	if len(b) < TCPSize {
		return TCPEvent{}, truncated(h.Type, len(b), TCPSize)
	}
	family := le.Uint16(b[64:])
	return TCPEvent{
		Header:     h,
		SockCookie: le.Uint64(b[48:]),
		SkCgroupID: le.Uint64(b[56:]),
		Family:     family,
		Protocol:   le.Uint16(b[66:]),
		SrcPort:    le.Uint16(b[68:]),
		DstPort:    le.Uint16(b[70:]),
		Src:        addr(family, b[72:88]),
		Dst:        addr(family, b[88:104]),
		OldState:   le.Uint32(b[104:]),
		NewState:   le.Uint32(b[108:]),
	}, nil
}

// ParseDNS decodes a dns sample: 104 bytes plus captured_len. Payload
// aliases b.
func ParseDNS(b []byte) (DNSEvent, error) {
	h, err := header(b, TypeDNS, DNSFixedSize)
	if err != nil {
		return DNSEvent{}, err
	}
	captured := int(le.Uint16(b[68:]))
	if captured > DNSPayloadMax {
		return DNSEvent{}, fmt.Errorf("%w: %s captured_len %d exceeds %d", ErrMalformed, TypeDNS, captured, DNSPayloadMax)
	}
	if len(b) < DNSFixedSize+captured {
		return DNSEvent{}, truncated(TypeDNS, len(b), DNSFixedSize+captured)
	}
	family := le.Uint16(b[60:])
	return DNSEvent{
		Header:     h,
		SockCookie: le.Uint64(b[48:]),
		Ifindex:    le.Uint32(b[56:]),
		Family:     family,
		SrcPort:    le.Uint16(b[62:]),
		DstPort:    le.Uint16(b[64:]),
		PayloadLen: le.Uint16(b[66:]),
		Src:        addr(family, b[72:88]),
		Dst:        addr(family, b[88:104]),
		Payload:    b[DNSFixedSize : DNSFixedSize+captured : DNSFixedSize+captured],
	}, nil
}

// Parse decodes any sample into its event value (ExecEvent, ExitEvent,
// OOMKillEvent, TCPEvent or DNSEvent). It boxes the result; hot paths
// switch on ParseHeader's type and call the typed parser instead.
func Parse(b []byte) (any, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	switch h.Type {
	case TypeExec:
		return ParseExec(b)
	case TypeExit:
		return ParseExit(b)
	case TypeOOMKill:
		return ParseOOMKill(b)
	case TypeTCPState, TypeTCPReset, TypeTCPRetransmit:
		return ParseTCP(b)
	case TypeDNS:
		return ParseDNS(b)
	}
	return nil, fmt.Errorf("%w: %d", ErrUnknownType, uint32(h.Type))
}

// cString cuts a fixed C buffer at its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// splitArgs splits the NUL-separated argument area. One string holds all
// arguments so that decoding costs two allocations however many there are.
func splitArgs(b []byte) []string {
	// Each argument ends with a NUL; only a cut last one has none.
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	if len(b) == 0 {
		return nil
	}
	all := string(b)
	args := make([]string, 0, strings.Count(all, "\x00")+1)
	for {
		i := strings.IndexByte(all, 0)
		if i < 0 {
			return append(args, all)
		}
		args = append(args, all[:i])
		all = all[i+1:]
	}
}

// addr reads an address block: IPv4 in the first 4 bytes, IPv6 in all 16.
// An unknown family gives the zero Addr.
func addr(family uint16, b []byte) netip.Addr {
	switch family {
	case afInet:
		return netip.AddrFrom4([4]byte(b[:4]))
	case afInet6:
		return netip.AddrFrom16([16]byte(b[:addressLen]))
	}
	return netip.Addr{}
}
