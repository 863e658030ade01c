package ebpf

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// dnsQuery is a query for name (type A, class IN) with the given id,
// encoded by hand as RFC 1035 lays it out.
func dnsQuery(id uint16, labels ...string) []byte {
	var b bytes.Buffer
	b.Write(binary.BigEndian.AppendUint16(nil, id))
	b.Write([]byte{0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}) // RD; 1 question
	for _, l := range labels {
		b.WriteByte(byte(len(l)))
		b.WriteString(l)
	}
	b.Write([]byte{0, 0, 1, 0, 1}) // root, type A, class IN
	return b.Bytes()
}

// dnsAnswer answers query with one A record pointing back at the question.
func dnsAnswer(query []byte, ip net.IP) []byte {
	b := append([]byte(nil), query...)
	b[2], b[3] = 0x81, 0x80 // QR, RD, RA, NOERROR
	b[7] = 1                // one answer
	b = append(b, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
	return append(b, ip.To4()...)
}

// listenDNS binds UDP port 53 on a loopback address; root can.
func listenDNS(t *testing.T) *net.UDPConn {
	t.Helper()
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 53, 53, 53)} {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: 53})
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		t.Logf("bind %s:53: %v", ip, err)
	}
	t.Fatal("no loopback address has UDP port 53 free: stop the local resolver bound there or run the tests in a network namespace")
	return nil
}

func dnsMatch(sport, dport uint16, egress bool, payload []byte) func([]byte) bool {
	return func(b []byte) bool {
		e, err := wire.ParseDNS(b)
		return err == nil && e.SrcPort == sport && e.DstPort == dport &&
			e.Egress() == egress && bytes.Equal(e.Payload, payload)
	}
}

func TestDNSBothDirections(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeDNS))
	c := collect(t, p)
	for _, h := range p.Hooks() {
		if h.Type == wire.TypeDNS {
			require.True(t, h.Attached, "%s: %v", h.Name, h.Err)
		}
	}

	server := listenDNS(t)
	client, err := net.DialUDP("udp4", nil, server.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer client.Close()
	cport := uint16(client.LocalAddr().(*net.UDPAddr).Port)

	query := dnsQuery(0x7a91, "tapio", "test")
	_, err = client.Write(query)
	require.NoError(t, err)
	buf := make([]byte, 1500)
	n, from, err := server.ReadFromUDP(buf)
	require.NoError(t, err)
	require.Equal(t, query, buf[:n])
	answer := dnsAnswer(query, net.IPv4(127, 0, 0, 2))
	_, err = server.WriteToUDP(answer, from)
	require.NoError(t, err)
	n, err = client.Read(buf)
	require.NoError(t, err)
	require.Equal(t, answer, buf[:n])

	raw := c.await(t, wire.TypeDNS, "query egress", dnsMatch(cport, 53, true, query))
	e, err := wire.ParseDNS(raw)
	require.NoError(t, err)
	assert.Equal(t, uint32(os.Getpid()), e.PID)
	assert.Equal(t, uint16(len(query)), e.PayloadLen)
	assert.Equal(t, server.LocalAddr().(*net.UDPAddr).IP.String(), e.Dst.String())
	assert.Equal(t, uint16(2), e.Family)
	assert.NotZero(t, e.SockCookie)
	assert.NotZero(t, e.CgroupID)
	assert.Zero(t, e.Flags&wire.FlagTruncated)

	raw = c.await(t, wire.TypeDNS, "query ingress", dnsMatch(cport, 53, false, query))
	e, err = wire.ParseDNS(raw)
	require.NoError(t, err)
	assert.Zero(t, e.PID, "ingress runs in softirq: no pid")
	c.await(t, wire.TypeDNS, "answer egress", dnsMatch(53, cport, true, answer))
	c.await(t, wire.TypeDNS, "answer ingress", dnsMatch(53, cport, false, answer))
}

// A payload longer than the capture keeps its first 512 bytes and its
// real length.
func TestDNSPayloadTruncated(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeDNS))
	c := collect(t, p)
	server := listenDNS(t)
	client, err := net.DialUDP("udp4", nil, server.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer client.Close()
	cport := uint16(client.LocalAddr().(*net.UDPAddr).Port)

	big := bytes.Repeat([]byte{0xab}, 1000)
	_, err = client.Write(big)
	require.NoError(t, err)

	raw := c.await(t, wire.TypeDNS, "large query", dnsMatch(cport, 53, true, big[:wire.DNSPayloadMax]))
	e, err := wire.ParseDNS(raw)
	require.NoError(t, err)
	assert.Equal(t, uint16(len(big)), e.PayloadLen)
	assert.NotZero(t, e.Flags&wire.FlagTruncated)
	assert.Len(t, raw, wire.DNSMaxSize)
}
