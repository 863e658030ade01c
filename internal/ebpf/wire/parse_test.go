package wire

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeader(t *testing.T) {
	h, err := ParseHeader(newSample(TypeExit, ExitSize))
	require.NoError(t, err)
	assert.Equal(t, Header{TsNs: 123456789, CgroupID: 4242, Type: TypeExit, PID: 100, TID: 101, Comm: "bash"}, h)

	_, err = ParseHeader(make([]byte, HeaderSize-1))
	assert.ErrorIs(t, err, ErrTruncated)
	_, err = ParseHeader(newSample(0, HeaderSize))
	assert.ErrorIs(t, err, ErrUnknownType)
	_, err = ParseHeader(newSample(TypeMax, HeaderSize))
	assert.ErrorIs(t, err, ErrUnknownType)

	full := newSample(TypeExit, ExitSize).put(32, []byte("0123456789abcdef"))
	h, err = ParseHeader(full)
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", h.Comm, "a comm without NUL uses all 16 bytes")
}

func TestParseExec(t *testing.T) {
	e, err := ParseExec(execSample("curl\x00-s\x00\x00https://x\x00"))
	require.NoError(t, err)
	assert.Equal(t, uint32(1), e.PPID)
	assert.Equal(t, uint32(1000), e.UID)
	assert.Equal(t, uint32(1001), e.GID)
	assert.Equal(t, uint32(0xEFFFFFFC), e.PIDNS)
	assert.Equal(t, uint32(0xEFFFFFFB), e.MntNS)
	assert.Equal(t, "/usr/bin/curl", e.Filename)
	assert.Equal(t, []string{"curl", "-s", "", "https://x"}, e.Args, "empty arguments are kept")

	e, err = ParseExec(execSample("curl\x00--ver"))
	require.NoError(t, err)
	assert.Equal(t, []string{"curl", "--ver"}, e.Args, "a cut last argument has no NUL")

	e, err = ParseExec(execSample(""))
	require.NoError(t, err)
	assert.Nil(t, e.Args)

	short := execSample("curl\x00")
	_, err = ParseExec(short[:len(short)-1])
	assert.ErrorIs(t, err, ErrTruncated)
	assert.ErrorContains(t, err, "process.exec sample is 332 bytes, needs 333")
	_, err = ParseExec(execSample("").u32(68, ArgvMax+1))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = ParseExec(newSample(TypeExit, ExecFixedSize))
	assert.ErrorIs(t, err, ErrWrongType)
}

func TestParseExit(t *testing.T) {
	e, err := ParseExit(newSample(TypeExit, ExitSize).u32(48, 7).u32(52, 3<<8))
	require.NoError(t, err)
	assert.Equal(t, uint32(7), e.PPID)
	assert.Equal(t, uint32(3), e.Status())
	assert.Zero(t, e.Signal())

	e, err = ParseExit(newSample(TypeExit, ExitSize).u32(52, 9))
	require.NoError(t, err)
	assert.Equal(t, uint32(9), e.Signal(), "SIGKILL")

	_, err = ParseExit(newSample(TypeExit, ExitSize-1))
	assert.ErrorIs(t, err, ErrTruncated)
}

func TestParseOOMKill(t *testing.T) {
	s := newSample(TypeOOMKill, OOMKillSize).u64(48, 9001).u64(56, 9002).u64(64, 10).
		u64(72, 11).u64(80, 12).u64(88, 13).u32(96, 555).u32(100, uint32(0xFFFFFC18)).
		put(104, []byte("java"))
	e, err := ParseOOMKill(s)
	require.NoError(t, err)
	assert.Equal(t, OOMKillEvent{
		Header: e.Header, MemcgID: 9001, VictimCgroupID: 9002, TotalVM: 10,
		AnonRSS: 11, FileRSS: 12, ShmemRSS: 13, VictimPID: 555, OOMScoreAdj: -1000,
		VictimComm: "java",
	}, e)
	_, err = ParseOOMKill(s[:OOMKillSize-1])
	assert.ErrorIs(t, err, ErrTruncated)
}

func TestParseTCP(t *testing.T) {
	for _, typ := range []Type{TypeTCPState, TypeTCPReset, TypeTCPRetransmit} {
		e, err := ParseTCP(tcpSample(typ))
		require.NoError(t, err, typ)
		assert.Equal(t, netip.MustParseAddr("10.0.0.1"), e.Src)
		assert.Equal(t, netip.MustParseAddr("10.0.0.2"), e.Dst)
		assert.Equal(t, uint16(40000), e.SrcPort)
		assert.Equal(t, uint16(443), e.DstPort)
		assert.Equal(t, uint64(77), e.SockCookie)
		assert.Equal(t, uint64(88), e.SkCgroupID)
		assert.Equal(t, "SYN_SENT", TCPStateName(e.OldState))
		assert.Equal(t, "ESTABLISHED", TCPStateName(e.NewState))
	}
	e, err := ParseTCP(tcpSample(TypeTCPReset).u16(64, 0))
	require.NoError(t, err)
	assert.False(t, e.Src.IsValid(), "unknown family: no address")

	_, err = ParseTCP(tcpSample(TypeTCPState)[:TCPSize-1])
	assert.ErrorIs(t, err, ErrTruncated)
	_, err = ParseTCP(newSample(TypeDNS, TCPSize))
	assert.ErrorIs(t, err, ErrWrongType)
}

func TestParseDNS(t *testing.T) {
	payload := []byte{0x12, 0x34, 1, 0}
	e, err := ParseDNS(dnsSample(payload))
	require.NoError(t, err)
	assert.True(t, e.Egress())
	assert.Equal(t, netip.MustParseAddr("::1"), e.Src)
	assert.Equal(t, uint16(5353), e.SrcPort)
	assert.Equal(t, uint16(53), e.DstPort)
	assert.Equal(t, uint32(1), e.Ifindex)
	assert.Equal(t, payload, e.Payload)
	assert.Equal(t, uint16(4), e.PayloadLen)

	s := dnsSample(payload)
	_, err = ParseDNS(s[:len(s)-1])
	assert.ErrorIs(t, err, ErrTruncated)
	_, err = ParseDNS(dnsSample(nil).u16(68, DNSPayloadMax+1))
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestParseDispatch(t *testing.T) {
	for _, s := range []sample{
		execSample("a\x00"), newSample(TypeExit, ExitSize), newSample(TypeOOMKill, OOMKillSize),
		tcpSample(TypeTCPState), tcpSample(TypeTCPReset), tcpSample(TypeTCPRetransmit), dnsSample([]byte{1}),
	} {
		ev, err := Parse(s)
		require.NoError(t, err)
		assert.NotNil(t, ev)
	}
	_, err := Parse(newSample(42, 200))
	assert.ErrorIs(t, err, ErrUnknownType)
}

func TestKind(t *testing.T) {
	want := map[Type]string{
		TypeExec: "process.exec", TypeExit: "process.exit", TypeOOMKill: "oom.kill",
		TypeTCPState: "tcp.state", TypeTCPReset: "tcp.reset", TypeTCPRetransmit: "tcp.retransmit",
		TypeDNS: "dns",
	}
	for typ, kind := range want {
		assert.Equal(t, kind, Kind(typ))
		assert.Equal(t, kind, typ.String())
	}
	assert.Empty(t, Kind(0))
	assert.Empty(t, Kind(TypeMax))
	assert.Equal(t, "type(99)", Type(99).String())
	assert.Empty(t, TCPStateName(99))
}
