package ebpfdecoder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Kernel TCP states (include/net/tcp_states.h).
const (
	tcpEstablished = 1
	tcpSynSent     = 2
	tcpFinWait1    = 4
	tcpClose       = 7
	tcpListen      = 10
)

// curlConnect is a connect at SYN_SENT: the source port is still 0 there.
func curlConnect() tcpSample {
	return tcpSample{
		hdr:      hdr{typ: typeTCPState, cgroup: 8412, pid: 4242, tid: 4242, comm: "curl"},
		cookie:   77,
		skCgroup: 8413,
		family:   afInet,
		proto:    6,
		sport:    0,
		dport:    443,
		saddr:    "10.244.1.17",
		daddr:    "10.96.0.10",
		oldState: tcpClose,
		newState: tcpSynSent,
	}
}

func TestTCPConnect(t *testing.T) {
	ev := mustDecode(t, "tcp.state", curlConnect().bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name:         unifiedevent.NameTCPConnect,
		Severity:     plog.SeverityNumberInfo,
		SeverityText: "INFO",
		Message:      "tcp connect 10.244.1.17:0 -> 10.96.0.10:443 by curl (pid 4242)",
		Process:      &unifiedevent.Process{PID: 4242, ExecutableName: "curl"},
		Network: &unifiedevent.Network{
			Transport: "tcp", Type: "ipv4",
			LocalAddress: "10.244.1.17", PeerAddress: "10.96.0.10", PeerPort: 443,
			State: "syn_sent", OldState: "closed",
		},
		Kernel: &unifiedevent.Kernel{CgroupID: 8413}, // the socket's, not current's
	}, ev)
}

func TestTCPConnectIPv6(t *testing.T) {
	s := curlConnect()
	s.family, s.saddr, s.daddr, s.skCgroup = afInet6, "fd00::11", "fd00:10:96::a", 0
	ev := mustDecode(t, "tcp.state", s.bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name:         unifiedevent.NameTCPConnect,
		Severity:     plog.SeverityNumberInfo,
		SeverityText: "INFO",
		Message:      "tcp connect [fd00::11]:0 -> [fd00:10:96::a]:443 by curl (pid 4242)",
		Process:      &unifiedevent.Process{PID: 4242, ExecutableName: "curl"},
		Network: &unifiedevent.Network{
			Transport: "tcp", Type: "ipv6",
			LocalAddress: "fd00::11", PeerAddress: "fd00:10:96::a", PeerPort: 443,
			State: "syn_sent", OldState: "closed",
		},
		Kernel: &unifiedevent.Kernel{CgroupID: 8412}, // no socket cgroup: the header's
	}, ev)
}

// A dual-stack socket talking to an IPv4 peer sends IPv4: the addresses
// are unmapped so they match pod IPs.
func TestTCPConnectV4MappedIsIPv4(t *testing.T) {
	s := curlConnect()
	s.family, s.saddr, s.daddr = afInet6, "::ffff:10.244.1.17", "::ffff:10.96.0.10"
	ev := mustDecode(t, "tcp.state", s.bytes())
	assert.Equal(t, "ipv4", ev.Network.Type)
	assert.Equal(t, "10.244.1.17", ev.Network.LocalAddress)
	assert.Equal(t, "10.96.0.10", ev.Network.PeerAddress)
}

func TestTCPStateChange(t *testing.T) {
	base := curlConnect()
	base.sport, base.skCgroup = 43210, 0
	for _, tc := range []struct {
		name          string
		old, new      uint32
		want          unifiedevent.Name
		sev           plog.SeverityNumber
		sevText       string
		msg           string
		state, before string
	}{
		{"teardown step", tcpEstablished, tcpFinWait1, unifiedevent.NameTCPState, plog.SeverityNumberDebug, "DEBUG",
			"tcp 10.244.1.17:43210 -> 10.96.0.10:443: established to fin_wait_1", "fin_wait_1", "established"},
		{"established", tcpSynSent, tcpEstablished, unifiedevent.NameTCPState, plog.SeverityNumberInfo, "INFO",
			"tcp 10.244.1.17:43210 -> 10.96.0.10:443: syn_sent to established", "established", "syn_sent"},
		{"connect failed", tcpSynSent, tcpClose, unifiedevent.NameTCPState, plog.SeverityNumberWarn, "WARN",
			"tcp connect failed 10.244.1.17:43210 -> 10.96.0.10:443: syn_sent to closed", "closed", "syn_sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.oldState, s.newState = tc.old, tc.new
			ev := mustDecode(t, "tcp.state", s.bytes())
			// No Process although the header names curl: outside connect
			// the hook may run in softirq on behalf of any task.
			assert.Equal(t, &unifiedevent.Event{
				Name:         tc.want,
				Severity:     tc.sev,
				SeverityText: tc.sevText,
				Message:      tc.msg,
				Network: &unifiedevent.Network{
					Transport: "tcp", Type: "ipv4",
					LocalAddress: "10.244.1.17", LocalPort: 43210,
					PeerAddress: "10.96.0.10", PeerPort: 443,
					State: tc.state, OldState: tc.before,
				},
				Kernel: &unifiedevent.Kernel{CgroupID: 8412},
			}, ev)
		})
	}
}

// A listening socket has no peer and a wildcard local address: neither is
// written, since 0.0.0.0 matches nothing downstream.
func TestTCPListen(t *testing.T) {
	s := curlConnect()
	s.saddr, s.daddr, s.sport, s.dport = "0.0.0.0", "0.0.0.0", 8080, 0
	s.oldState, s.newState = tcpClose, tcpListen
	ev := mustDecode(t, "tcp.state", s.bytes())
	assert.Equal(t, &unifiedevent.Network{Transport: "tcp", Type: "ipv4", LocalPort: 8080, State: "listen", OldState: "closed"}, ev.Network)
	assert.Equal(t, plog.SeverityNumberInfo, ev.Severity)
}

func TestTCPReset(t *testing.T) {
	established := tcpSample{
		hdr:      hdr{typ: typeTCPReset, cgroup: 1, pid: 0, comm: "swapper/1"},
		skCgroup: 8412, family: afInet, proto: 6,
		sport: 8080, dport: 51000, saddr: "10.244.1.17", daddr: "10.244.2.9",
		oldState: tcpEstablished, newState: tcpEstablished,
	}
	network := func(state string, lport, pport uint16) *unifiedevent.Network {
		return &unifiedevent.Network{
			Transport: "tcp", Type: "ipv4",
			LocalAddress: "10.244.1.17", LocalPort: lport, PeerAddress: "10.244.2.9", PeerPort: pport,
			State: state,
		}
	}
	t.Run("sent", func(t *testing.T) {
		s := established
		s.flags = flagResetSent
		ev := mustDecode(t, "tcp.reset", s.bytes())
		assert.Equal(t, &unifiedevent.Event{
			Name: unifiedevent.NameTCPReset, Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
			Message: "tcp reset sent 10.244.1.17:8080 -> 10.244.2.9:51000 in established",
			Network: network("established", 8080, 51000),
			Kernel:  &unifiedevent.Kernel{CgroupID: 8412},
		}, ev)
	})
	t.Run("received while connecting", func(t *testing.T) {
		s := established
		s.flags, s.sport, s.dport = flagResetReceived, 51000, 8080
		s.oldState, s.newState = tcpSynSent, tcpSynSent
		ev := mustDecode(t, "tcp.reset", s.bytes())
		assert.Equal(t, &unifiedevent.Event{
			Name: unifiedevent.NameTCPReset, Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
			Message: "tcp reset received 10.244.1.17:51000 -> 10.244.2.9:8080 in syn_sent (connection refused by peer)",
			Network: network("syn_sent", 51000, 8080),
			Kernel:  &unifiedevent.Kernel{CgroupID: 8412},
		}, ev)
	})
	t.Run("no socket", func(t *testing.T) {
		// Sent from softirq answering a SYN to a closed port: no socket,
		// no states, and the header's cgroup is an interrupted stranger's.
		s := established
		s.flags = flagResetSent | flagNoSocket
		s.hdr.cgroup, s.skCgroup, s.cookie = 4242, 0, 0
		s.sport, s.dport = 81, 51000
		s.oldState, s.newState = 0, 0
		ev := mustDecode(t, "tcp.reset", s.bytes())
		assert.Equal(t, &unifiedevent.Event{
			Name: unifiedevent.NameTCPReset, Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
			Message: "tcp reset sent 10.244.1.17:81 -> 10.244.2.9:51000: answered a packet to a closed port (connection refused)",
			Network: network("", 81, 51000),
		}, ev)
	})
}

func TestTCPRetransmit(t *testing.T) {
	s := tcpSample{
		hdr:      hdr{typ: typeTCPRetrans, cgroup: 1},
		skCgroup: 8412, family: afInet6, proto: 6,
		sport: 43210, dport: 5432, saddr: "fd00::11", daddr: "fd00::22",
		oldState: tcpEstablished, newState: tcpEstablished,
	}
	ev := mustDecode(t, "tcp.retransmit", s.bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name: unifiedevent.NameTCPRetransmit, Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
		Message: "tcp retransmit [fd00::11]:43210 -> [fd00::22]:5432 in established",
		Network: &unifiedevent.Network{
			Transport: "tcp", Type: "ipv6",
			LocalAddress: "fd00::11", LocalPort: 43210, PeerAddress: "fd00::22", PeerPort: 5432,
			State: "established",
		},
		Kernel: &unifiedevent.Kernel{CgroupID: 8412},
	}, ev)
}
