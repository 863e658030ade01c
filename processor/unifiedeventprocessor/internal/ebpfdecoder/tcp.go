package ebpfdecoder

import (
	"fmt"
	"net/netip"
	"strconv"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

const (
	afInet  = 2
	afInet6 = 10
	// tcpNewSynRecv is a request socket's state (include/net/tcp_states.h);
	// wire names it but has no constant for it.
	tcpNewSynRecv = 12
)

var (
	transportTCP = semconv.NetworkTransportTCP.Value.AsString()
	transportUDP = semconv.NetworkTransportUDP.Value.AsString()
	typeIPv4     = semconv.NetworkTypeIPv4.Value.AsString()
	typeIPv6     = semconv.NetworkTypeIPv6.Value.AsString()
)

// tcpStates maps kernel TCP states to network.connection.state values. The
// convention names SYN_RECV syn_received and CLOSE closed; NEW_SYN_RECV, a
// request socket whose SYN was received, has no name of its own there.
var tcpStates = [...]string{
	wire.TCPEstablished: semconv.NetworkConnectionStateEstablished.Value.AsString(),
	wire.TCPSynSent:     semconv.NetworkConnectionStateSynSent.Value.AsString(),
	wire.TCPSynRecv:     semconv.NetworkConnectionStateSynReceived.Value.AsString(),
	wire.TCPFinWait1:    semconv.NetworkConnectionStateFinWait1.Value.AsString(),
	wire.TCPFinWait2:    semconv.NetworkConnectionStateFinWait2.Value.AsString(),
	wire.TCPTimeWait:    semconv.NetworkConnectionStateTimeWait.Value.AsString(),
	wire.TCPClose:       semconv.NetworkConnectionStateClosed.Value.AsString(),
	wire.TCPCloseWait:   semconv.NetworkConnectionStateCloseWait.Value.AsString(),
	wire.TCPLastAck:     semconv.NetworkConnectionStateLastAck.Value.AsString(),
	wire.TCPListen:      semconv.NetworkConnectionStateListen.Value.AsString(),
	wire.TCPClosing:     semconv.NetworkConnectionStateClosing.Value.AsString(),
	tcpNewSynRecv:       semconv.NetworkConnectionStateSynReceived.Value.AsString(),
}

// tcpState names a state, or "" for one the kernel does not have (0 in a
// reset sent with no socket).
func tcpState(s uint32) string {
	if s < uint32(len(tcpStates)) {
		return tcpStates[s]
	}
	return ""
}

type tcpParts struct {
	ev unifiedevent.Event
	n  unifiedevent.Network
	k  unifiedevent.Kernel
	p  unifiedevent.Process
}

func decodeTCP(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error) {
	e, err := wire.ParseTCP(b)
	if err != nil {
		return nil, err
	}
	if err := checkType(e.Header, want); err != nil {
		return nil, err
	}
	local, peer, typ, err := endpoints(e.Family, e.Src, e.Dst)
	if err != nil {
		return nil, err
	}
	noSocket := e.Flags&wire.FlagNoSocket != 0
	// The socket's own cgroup when the kernel knew it. A reset sent with no
	// socket is sent from softirq, where the header's cgroup is whatever
	// task was interrupted, so it is dropped rather than misattributed.
	cg := e.SkCgroupID
	if cg == 0 && !noSocket {
		cg = e.CgroupID
	}
	cgroup, err := toInt64("cgroup id", cg)
	if err != nil {
		return nil, err
	}
	oldState, newState := tcpState(e.OldState), tcpState(e.NewState)

	x := lend(s, func(sc *scratch) *tcpParts { return &sc.tcp })
	x.n = unifiedevent.Network{
		Transport: transportTCP, Type: typ,
		LocalAddress: addrText(s, local), LocalPort: e.SrcPort,
		PeerAddress: addrText(s, peer), PeerPort: e.DstPort,
		State: newState,
	}
	x.ev = unifiedevent.Event{Network: &x.n}
	if cgroup != 0 {
		x.k.CgroupID = cgroup
		x.ev.Kernel = &x.k
	}

	var buf [msgSize]byte
	m := buf[:0]
	switch e.Type {
	case wire.TypeTCPState:
		if oldState == "" || newState == "" {
			return nil, fmt.Errorf("%w: tcp state %d -> %d", ErrMalformed, e.OldState, e.NewState)
		}
		x.n.OldState = oldState
		m = x.stateChange(m, e, local, peer)
	case wire.TypeTCPReset:
		x.ev.Name = unifiedevent.NameTCPReset
		decode.SeverityWarn.Set(&x.ev)
		m = resetMessage(m, e, local, peer, newState)
	default:
		x.ev.Name = unifiedevent.NameTCPRetransmit
		decode.SeverityWarn.Set(&x.ev)
		m = append(m, "tcp retransmit "...)
		m = appendFlow(m, local, e.SrcPort, peer, e.DstPort)
		m = appendIn(m, newState)
	}
	x.ev.Message = string(m)
	return &x.ev, nil
}

// stateChange names and rates a tcp.state transition and writes its
// message.
func (x *tcpParts) stateChange(m []byte, e wire.TCPEvent, local, peer netip.Addr) []byte {
	x.ev.Name = unifiedevent.NameTCPState
	switch {
	case e.NewState == wire.TCPSynSent:
		// An active open runs in the connecting task's own context, so the
		// header's pid and comm are the caller of connect(). Every other
		// transition may run in softirq, where they name whichever task
		// was interrupted: noise that would tie the socket to a stranger.
		x.ev.Name = unifiedevent.NameTCPConnect
		if e.PID != 0 {
			x.p = unifiedevent.Process{PID: int64(e.PID), ExecutableName: text(e.Comm)}
			x.ev.Process = &x.p
		}
		decode.SeverityInfo.Set(&x.ev)
		m = append(m, "tcp connect "...)
		m = appendFlow(m, local, e.SrcPort, peer, e.DstPort)
		if x.ev.Process != nil {
			m = append(m, " by "...)
			return appendProc(m, x.p.ExecutableName, e.PID)
		}
		return m
	case e.OldState == wire.TCPSynSent && e.NewState == wire.TCPClose:
		// A connect that never got established: refused, timed out or
		// aborted. The one transition that is a failure on its own.
		decode.SeverityWarn.Set(&x.ev)
		m = append(m, "tcp connect failed "...)
	case e.NewState == wire.TCPEstablished || e.NewState == wire.TCPClose || e.NewState == wire.TCPListen:
		// A connection up, a socket gone, a server listening: the
		// transitions a reader of connection lifecycles looks for.
		decode.SeverityInfo.Set(&x.ev)
		m = append(m, "tcp "...)
	default:
		// Handshake and teardown steps every healthy connection passes
		// through (syn_received, fin_wait_*, close_wait, last_ack,
		// time_wait, closing): kept, but below INFO so a decode.Severity filter
		// can shed them first.
		decode.SeverityDebug.Set(&x.ev)
		m = append(m, "tcp "...)
	}
	m = appendFlow(m, local, e.SrcPort, peer, e.DstPort)
	m = append(m, ": "...)
	m = append(m, x.n.OldState...)
	m = append(m, " to "...)
	return append(m, x.n.State...)
}

func resetMessage(m []byte, e wire.TCPEvent, local, peer netip.Addr, state string) []byte {
	switch {
	case e.Flags&wire.FlagResetSent != 0:
		m = append(m, "tcp reset sent "...)
	case e.Flags&wire.FlagResetReceived != 0:
		m = append(m, "tcp reset received "...)
	default:
		m = append(m, "tcp reset "...)
	}
	m = appendFlow(m, local, e.SrcPort, peer, e.DstPort)
	switch {
	case e.Flags&wire.FlagNoSocket != 0:
		return append(m, ": answered a packet to a closed port (connection refused)"...)
	case e.Flags&wire.FlagResetReceived != 0 && e.NewState == wire.TCPSynSent:
		// The peer answered our SYN with a reset.
		m = appendIn(m, state)
		return append(m, " (connection refused by peer)"...)
	}
	return appendIn(m, state)
}

func appendIn(m []byte, state string) []byte {
	if state == "" {
		return m
	}
	m = append(m, " in "...)
	return append(m, state...)
}

// endpoints checks the family and returns local and peer addresses with
// IPv4-mapped IPv6 addresses unmapped: a dual-stack socket talking to an
// IPv4 peer sends IPv4 packets, and pod IPs are looked up in that form.
func endpoints(family uint16, src, dst netip.Addr) (local, peer netip.Addr, typ string, err error) {
	if family != afInet && family != afInet6 {
		return local, peer, "", fmt.Errorf("%w: address family %d is neither AF_INET nor AF_INET6", ErrMalformed, family)
	}
	local, peer = src.Unmap(), dst.Unmap()
	a := peer
	if a.IsUnspecified() {
		a = local
	}
	if a.Is4() {
		return local, peer, typeIPv4, nil
	}
	return local, peer, typeIPv6, nil
}

// addrText is an address for the schema, or "" for the unspecified one: a
// listening or not-yet-connected socket has no peer, and 0.0.0.0 would be
// matched to nothing downstream. With a Scratch the text comes from its
// cache: a node's connections and queries go to the same few addresses,
// and formatting each anew cost two allocations a network event.
func addrText(s *decode.Scratch, a netip.Addr) string {
	if a.IsUnspecified() || !a.IsValid() {
		return ""
	}
	if s == nil {
		return a.String()
	}
	sc := s.Use(scratchSlot, newScratch).(*scratch)
	if t, ok := sc.addrs[a]; ok {
		return t
	}
	if sc.addrs == nil || len(sc.addrs) >= maxAddrs {
		// Started afresh when full: a scan of many addresses must not
		// grow it without end.
		sc.addrs = make(map[netip.Addr]string, 64)
	}
	t := a.String()
	sc.addrs[a] = t
	return t
}

// appendFlow writes "local -> peer", each as addr:port.
func appendFlow(m []byte, local netip.Addr, lport uint16, peer netip.Addr, pport uint16) []byte {
	m = appendEndpoint(m, local, lport)
	m = append(m, " -> "...)
	return appendEndpoint(m, peer, pport)
}

func appendEndpoint(m []byte, a netip.Addr, port uint16) []byte {
	if a.Is6() {
		m = append(m, '[')
		m = a.AppendTo(m)
		m = append(m, ']')
	} else {
		m = a.AppendTo(m)
	}
	m = append(m, ':')
	return strconv.AppendUint(m, uint64(port), 10)
}
