package ebpfdecoder_test

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/ebpfdecoder"
)

// The samples are written at the offsets of bpf/include/tapio_events.h,
// spelled out here instead of taken from package wire, so that a parser
// reading a wrong offset fails these tests instead of agreeing with itself.

var le = binary.LittleEndian

// Event types and flags as in tapio_events.h.
const (
	typeExec       = 1
	typeExit       = 2
	typeOOMKill    = 3
	typeTCPState   = 4
	typeTCPReset   = 5
	typeTCPRetrans = 6
	typeDNS        = 7

	flagTruncated     = 1 << 0
	flagEgress        = 1 << 1
	flagResetSent     = 1 << 2
	flagResetReceived = 1 << 3
	flagNoSocket      = 1 << 4
	flagFilenameCut   = 1 << 5

	afInet  = 2
	afInet6 = 10
)

// kinds lists the raw kinds in wire type order, so kinds[t-1] is type t's.
var kinds = []string{"process.exec", "process.exit", "oom.kill", "tcp.state", "tcp.reset", "tcp.retransmit", "dns"}

// hdr is struct event_header (48 bytes).
type hdr struct {
	ts, cgroup           uint64
	typ, pid, tid, flags uint32
	comm                 string
}

func (h hdr) put(b []byte) {
	le.PutUint64(b[0:], h.ts)
	le.PutUint64(b[8:], h.cgroup)
	le.PutUint32(b[16:], h.typ)
	le.PutUint32(b[20:], h.pid)
	le.PutUint32(b[24:], h.tid)
	le.PutUint32(b[28:], h.flags)
	copy(b[32:48], h.comm) // comm[16], NUL-padded
}

// execSample is struct exec_event; the sample ends after argv_len bytes.
type execSample struct {
	hdr
	ppid, uid, gid, pidns, mntns uint32
	filename                     string
	argv                         string // raw argv area, NULs included
}

func (s execSample) bytes() []byte {
	s.typ = typeExec
	b := make([]byte, 328+len(s.argv))
	s.put(b)
	le.PutUint32(b[48:], s.ppid)
	le.PutUint32(b[52:], s.uid)
	le.PutUint32(b[56:], s.gid)
	le.PutUint32(b[60:], s.pidns)
	le.PutUint32(b[64:], s.mntns)
	le.PutUint32(b[68:], uint32(len(s.argv)))
	copy(b[72:328], s.filename)
	copy(b[328:], s.argv)
	return b
}

// argv lays arguments out as the kernel copies them: each NUL-terminated.
func argv(args ...string) string { return strings.Join(args, "\x00") + "\x00" }

// exitSample is struct exit_event (56 bytes).
type exitSample struct {
	hdr
	ppid, exitCode uint32
}

func (s exitSample) bytes() []byte {
	s.typ = typeExit
	b := make([]byte, 56)
	s.put(b)
	le.PutUint32(b[48:], s.ppid)
	le.PutUint32(b[52:], s.exitCode)
	return b
}

// oomSample is struct oom_event (120 bytes).
type oomSample struct {
	hdr
	memcg, victimCgroup, totalVM, anon, file, shmem uint64
	victimPID                                       uint32
	scoreAdj                                        int32
	victimComm                                      string
}

func (s oomSample) bytes() []byte {
	s.typ = typeOOMKill
	b := make([]byte, 120)
	s.put(b)
	le.PutUint64(b[48:], s.memcg)
	le.PutUint64(b[56:], s.victimCgroup)
	le.PutUint64(b[64:], s.totalVM)
	le.PutUint64(b[72:], s.anon)
	le.PutUint64(b[80:], s.file)
	le.PutUint64(b[88:], s.shmem)
	le.PutUint32(b[96:], s.victimPID)
	le.PutUint32(b[100:], uint32(s.scoreAdj))
	copy(b[104:120], s.victimComm)
	return b
}

// tcpSample is struct tcp_event (112 bytes); typ picks state, reset or
// retransmit.
type tcpSample struct {
	hdr
	cookie, skCgroup   uint64
	family, proto      uint16
	sport, dport       uint16
	saddr, daddr       string
	oldState, newState uint32
}

func (s tcpSample) bytes() []byte {
	b := make([]byte, 112)
	s.put(b)
	le.PutUint64(b[48:], s.cookie)
	le.PutUint64(b[56:], s.skCgroup)
	le.PutUint16(b[64:], s.family)
	le.PutUint16(b[66:], s.proto)
	le.PutUint16(b[68:], s.sport)
	le.PutUint16(b[70:], s.dport)
	putAddr(b[72:88], s.saddr)
	putAddr(b[88:104], s.daddr)
	le.PutUint32(b[104:], s.oldState)
	le.PutUint32(b[108:], s.newState)
	return b
}

// putAddr writes an address block: IPv4 in the first 4 bytes, IPv6 in all
// 16, as the kernel copies skc_rcv_saddr or skc_v6_rcv_saddr.
func putAddr(b []byte, s string) {
	if s == "" {
		return
	}
	a := netip.MustParseAddr(s)
	if a.Is4() {
		v := a.As4()
		copy(b, v[:])
		return
	}
	v := a.As16()
	copy(b, v[:])
}

// dnsSample is struct dns_event; the sample ends after captured_len bytes.
type dnsSample struct {
	hdr
	cookie       uint64
	ifindex      uint32
	family       uint16
	sport, dport uint16
	payloadLen   uint16 // 0: len(payload)
	saddr, daddr string
	payload      []byte
}

func (s dnsSample) bytes() []byte {
	s.typ = typeDNS
	b := make([]byte, 104+len(s.payload))
	s.put(b)
	le.PutUint64(b[48:], s.cookie)
	le.PutUint32(b[56:], s.ifindex)
	le.PutUint16(b[60:], s.family)
	le.PutUint16(b[62:], s.sport)
	le.PutUint16(b[64:], s.dport)
	plen := s.payloadLen
	if plen == 0 {
		plen = uint16(len(s.payload))
	}
	le.PutUint16(b[66:], plen)
	le.PutUint16(b[68:], uint16(len(s.payload)))
	putAddr(b[72:88], s.saddr)
	putAddr(b[88:104], s.daddr)
	copy(b[104:], s.payload)
	return b
}

// dnsMsg builds a DNS message with one question and the given answers.
func dnsMsg(t testing.TB, h dnsmessage.Header, name string, qtype dnsmessage.Type, answers ...dnsmessage.Resource) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, h)
	b.EnableCompression()
	require.NoError(t, b.StartQuestions())
	require.NoError(t, b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: qtype, Class: dnsmessage.ClassINET}))
	require.NoError(t, b.StartAnswers())
	for _, a := range answers {
		switch body := a.Body.(type) {
		case *dnsmessage.AResource:
			require.NoError(t, b.AResource(a.Header, *body))
		case *dnsmessage.AAAAResource:
			require.NoError(t, b.AAAAResource(a.Header, *body))
		case *dnsmessage.CNAMEResource:
			require.NoError(t, b.CNAMEResource(a.Header, *body))
		case *dnsmessage.TXTResource:
			require.NoError(t, b.TXTResource(a.Header, *body))
		default:
			t.Fatalf("no builder for %T", body)
		}
	}
	msg, err := b.Finish()
	require.NoError(t, err)
	return msg
}

func rr(name string, body dnsmessage.ResourceBody) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Class: dnsmessage.ClassINET, TTL: 30},
		Body:   body,
	}
}

// decoder returns the registered decoder for an eBPF kind.
func decoder(t testing.TB, kind string) decode.Decoder {
	t.Helper()
	r := decode.NewRegistry()
	require.NoError(t, ebpfdecoder.Register(r))
	d, ok := r.Lookup(unifiedevent.SourceEBPF, kind)
	require.True(t, ok, kind)
	return d
}

func decodeAs(t testing.TB, kind string, body []byte) (*unifiedevent.Event, error) {
	t.Helper()
	return decoder(t, kind).Decode(decode.Raw{Source: unifiedevent.SourceEBPF, Kind: kind, Version: "1", Body: body})
}

// mustDecode decodes a sample and checks the event survives a log record.
func mustDecode(t testing.TB, kind string, body []byte) *unifiedevent.Event {
	t.Helper()
	ev, err := decodeAs(t, kind, body)
	require.NoError(t, err)
	require.NotNil(t, ev)
	checked := *ev
	checked.ID = "00112233445566778899aabbccddeeff" // the processor's job
	require.NoError(t, checked.Validate())
	return ev
}

func ptr[T any](v T) *T { return &v }
