package ebpf

import (
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// loopbackPair connects a client to a fresh listener and returns both ends.
func loopbackPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	client, err = net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
	require.NoError(t, err)
	server, err = ln.AcceptTCP()
	require.NoError(t, err)
	return client, server
}

func port(a net.Addr) uint16 { return uint16(a.(*net.TCPAddr).Port) }

// tcpMatch matches TCP events by ports and, when set, states and flags.
func tcpMatch(sport, dport uint16, oldState, newState, flags uint32) func([]byte) bool {
	return func(b []byte) bool {
		e, err := wire.ParseTCP(b)
		if err != nil || e.SrcPort != sport || e.DstPort != dport {
			return false
		}
		if newState != 0 && (e.NewState != newState || (oldState != 0 && e.OldState != oldState)) {
			return false
		}
		return e.Flags&flags == flags
	}
}

func TestTCPStateTransitions(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeTCPState))
	c := collect(t, p)

	client, server := loopbackPair(t)
	cport, sport := port(client.LocalAddr()), port(server.LocalAddr())
	require.NoError(t, client.Close())
	require.NoError(t, server.Close())

	// At SYN_SENT the kernel has not bound the source port yet.
	raw := c.await(t, wire.TypeTCPState, "client SYN_SENT", func(b []byte) bool {
		e, err := wire.ParseTCP(b)
		return err == nil && e.DstPort == sport && e.NewState == wire.TCPSynSent
	})
	e, err := wire.ParseTCP(raw)
	require.NoError(t, err)
	assert.Equal(t, wire.TCPClose, e.OldState)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), e.Dst)
	assert.Equal(t, uint16(2), e.Family)
	assert.Equal(t, uint16(6), e.Protocol)
	assert.NotZero(t, e.SockCookie)
	assert.NotZero(t, e.SkCgroupID)

	raw = c.await(t, wire.TypeTCPState, "client ESTABLISHED", tcpMatch(cport, sport, wire.TCPSynSent, wire.TCPEstablished, 0))
	e, err = wire.ParseTCP(raw)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), e.Src)
	c.await(t, wire.TypeTCPState, "server ESTABLISHED", tcpMatch(sport, cport, wire.TCPSynRecv, wire.TCPEstablished, 0))
	c.await(t, wire.TypeTCPState, "client FIN_WAIT1", tcpMatch(cport, sport, wire.TCPEstablished, wire.TCPFinWait1, 0))
	c.await(t, wire.TypeTCPState, "server CLOSE_WAIT", tcpMatch(sport, cport, wire.TCPEstablished, wire.TCPCloseWait, 0))
	c.await(t, wire.TypeTCPState, "server CLOSE", tcpMatch(sport, cport, 0, wire.TCPClose, 0))
}

func TestTCPReset(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeTCPReset))
	c := collect(t, p)

	client, server := loopbackPair(t)
	defer server.Close()
	cport, sport := port(client.LocalAddr()), port(server.LocalAddr())
	// Linger 0 makes close abort the connection with a RST.
	require.NoError(t, client.SetLinger(0))
	require.NoError(t, client.Close())

	raw := c.await(t, wire.TypeTCPReset, "sent by the client", tcpMatch(cport, sport, 0, 0, wire.FlagResetSent))
	e, err := wire.ParseTCP(raw)
	require.NoError(t, err)
	assert.NotZero(t, e.SockCookie)
	assert.Zero(t, e.Flags&wire.FlagNoSocket)
	c.await(t, wire.TypeTCPReset, "received by the server", tcpMatch(sport, cport, 0, 0, wire.FlagResetReceived))
}

// A SYN to a closed port is answered by a reset with no socket; its
// addresses come from the SYN.
func TestTCPResetWithoutSocket(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeTCPReset))
	c := collect(t, p)

	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	closed := port(ln.Addr())
	require.NoError(t, ln.Close())
	_, err = net.DialTCP("tcp4", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(closed)})
	require.Error(t, err)

	raw := c.await(t, wire.TypeTCPReset, "for the closed port", func(b []byte) bool {
		e, err := wire.ParseTCP(b)
		return err == nil && e.Flags&wire.FlagNoSocket != 0 && e.SrcPort == closed
	})
	e, err := wire.ParseTCP(raw)
	require.NoError(t, err)
	assert.NotZero(t, e.Flags&wire.FlagResetSent)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), e.Src)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), e.Dst)
	assert.NotZero(t, e.DstPort)
}

func TestTCPStateIPv6(t *testing.T) {
	ln, err := net.ListenTCP("tcp6", &net.TCPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	p := openProbe(t, configFor(wire.TypeTCPState))
	c := collect(t, p)

	client, err := net.DialTCP("tcp6", nil, ln.Addr().(*net.TCPAddr))
	require.NoError(t, err)
	server, err := ln.AcceptTCP()
	require.NoError(t, err)
	cport, sport := port(client.LocalAddr()), port(server.LocalAddr())
	client.Close()
	server.Close()

	raw := c.await(t, wire.TypeTCPState, "IPv6 client ESTABLISHED", tcpMatch(cport, sport, wire.TCPSynSent, wire.TCPEstablished, 0))
	e, err := wire.ParseTCP(raw)
	require.NoError(t, err)
	assert.Equal(t, uint16(10), e.Family)
	assert.Equal(t, netip.IPv6Loopback(), e.Src)
	assert.Equal(t, netip.IPv6Loopback(), e.Dst)
}
