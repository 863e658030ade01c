package ebpfdecoder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func query(t testing.TB, name string, qtype dnsmessage.Type) []byte {
	return dnsMsg(t, dnsmessage.Header{ID: 0xbeef, RecursionDesired: true}, name, qtype)
}

func response(t testing.TB, rcode dnsmessage.RCode, name string, qtype dnsmessage.Type, answers ...dnsmessage.Resource) []byte {
	h := dnsmessage.Header{ID: 0xbeef, Response: true, RecursionDesired: true, RecursionAvailable: true, RCode: rcode}
	return dnsMsg(t, h, name, qtype, answers...)
}

// egressQuery is curl asking the cluster DNS service.
func egressQuery(t testing.TB) dnsSample {
	return dnsSample{
		hdr:    hdr{cgroup: 8412, pid: 812, tid: 812, flags: flagEgress, comm: "curl"},
		cookie: 99, ifindex: 2, family: afInet,
		sport: 41234, dport: 53, saddr: "10.244.1.17", daddr: "10.96.0.10",
		payload: query(t, "example.com.", dnsmessage.TypeA),
	}
}

// ingressResponse is the answer coming back; pid and comm are zeroed by
// the kernel side on ingress.
func ingressResponse(payload []byte) dnsSample {
	return dnsSample{
		hdr:    hdr{cgroup: 8412},
		cookie: 99, ifindex: 2, family: afInet,
		sport: 53, dport: 41234, saddr: "10.96.0.10", daddr: "10.244.1.17",
		payload: payload,
	}
}

func dnsNetwork(d *unifiedevent.DNS) *unifiedevent.Network {
	return &unifiedevent.Network{
		Transport: "udp", Type: "ipv4",
		LocalAddress: "10.244.1.17", LocalPort: 41234, PeerAddress: "10.96.0.10", PeerPort: 53,
		DNS: d,
	}
}

func TestDNSQueryEgress(t *testing.T) {
	ev := mustDecode(t, "dns", egressQuery(t).bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name: unifiedevent.NameDNSQuery, Severity: plog.SeverityNumberInfo, SeverityText: "INFO",
		Message: "dns query A example.com to 10.96.0.10:53",
		Process: &unifiedevent.Process{PID: 812, ExecutableName: "curl"},
		Network: dnsNetwork(&unifiedevent.DNS{QuestionName: "example.com", QuestionType: "A", TransactionID: 0xbeef}),
		Kernel:  &unifiedevent.Kernel{CgroupID: 8412},
	}, ev)
}

func TestDNSNXDomainIngress(t *testing.T) {
	s := ingressResponse(response(t, dnsmessage.RCodeNameError, "nope.example.com.", dnsmessage.TypeAAAA))
	ev := mustDecode(t, "dns", s.bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name: unifiedevent.NameDNSResponse, Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
		Message: "dns response NXDOMAIN for AAAA nope.example.com from 10.96.0.10:53",
		Network: dnsNetwork(&unifiedevent.DNS{
			QuestionName: "nope.example.com", QuestionType: "AAAA", ResponseCode: "NXDOMAIN", TransactionID: 0xbeef,
		}),
		Kernel: &unifiedevent.Kernel{CgroupID: 8412},
	}, ev)
}

// answersPayload is a NOERROR response with a CNAME, a TXT record to skip,
// and the A and AAAA records the name led to.
func answersPayload(t testing.TB) []byte {
	return response(t, dnsmessage.RCodeSuccess, "www.example.com.", dnsmessage.TypeA,
		rr("www.example.com.", &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("example.com.")}),
		rr("example.com.", &dnsmessage.TXTResource{TXT: []string{"skipped"}}),
		rr("example.com.", &dnsmessage.AResource{A: [4]byte{93, 184, 216, 34}}),
		rr("example.com.", &dnsmessage.AAAAResource{AAAA: [16]byte{0x26, 0x06, 0x28, 0x00, 0x02, 0x20, 0, 1, 0, 0, 0, 0, 0, 0, 0x19, 0x46}}),
	)
}

func TestDNSAnswers(t *testing.T) {
	ev := mustDecode(t, "dns", ingressResponse(answersPayload(t)).bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name: unifiedevent.NameDNSResponse, Severity: plog.SeverityNumberInfo, SeverityText: "INFO",
		Message: "dns response NOERROR for A www.example.com from 10.96.0.10:53, 3 answers",
		Network: dnsNetwork(&unifiedevent.DNS{
			QuestionName: "www.example.com", QuestionType: "A", ResponseCode: "NOERROR",
			Answers:       []string{"example.com", "93.184.216.34", "2606:2800:220:1::1946"},
			TransactionID: 0xbeef,
		}),
		Kernel: &unifiedevent.Kernel{CgroupID: 8412},
	}, ev)
}

func TestDNSSeverityByRcode(t *testing.T) {
	for rcode, want := range map[dnsmessage.RCode]plog.SeverityNumber{
		dnsmessage.RCodeServerFailure: plog.SeverityNumberError,
		dnsmessage.RCodeRefused:       plog.SeverityNumberError,
		dnsmessage.RCodeNameError:     plog.SeverityNumberWarn,
		dnsmessage.RCodeFormatError:   plog.SeverityNumberInfo,
		dnsmessage.RCodeSuccess:       plog.SeverityNumberInfo,
	} {
		ev := mustDecode(t, "dns", ingressResponse(response(t, rcode, "a.b.", dnsmessage.TypeA)).bytes())
		assert.Equal(t, want, ev.Severity, rcode.String())
	}
}

// The kernel captures at most 512 bytes: a response cut inside its answers
// still names its question and keeps the answers that arrived whole.
func TestDNSTruncatedPayload(t *testing.T) {
	var answers []dnsmessage.Resource
	for i := range 40 {
		answers = append(answers, rr("big.example.com.", &dnsmessage.AResource{A: [4]byte{10, 0, 0, byte(i)}}))
	}
	full := response(t, dnsmessage.RCodeSuccess, "big.example.com.", dnsmessage.TypeA, answers...)
	// Header 12 + question 21 + two compressed A records of 16 each, and
	// 7 bytes of the third.
	cut := 12 + 21 + 2*16 + 7
	require.Greater(t, len(full), cut)
	s := ingressResponse(full[:cut])
	s.flags, s.payloadLen = flagTruncated, uint16(len(full))
	ev := mustDecode(t, "dns", s.bytes())
	assert.Equal(t, &unifiedevent.DNS{
		QuestionName: "big.example.com", QuestionType: "A", ResponseCode: "NOERROR",
		Answers: []string{"10.0.0.0", "10.0.0.1"}, TransactionID: 0xbeef,
	}, ev.Network.DNS)
	assert.Equal(t, "dns response NOERROR for A big.example.com from 10.96.0.10:53, 2 answers (payload cut at 72 of 673 bytes)", ev.Message)
}

func TestDNSIPv6AndUnusualNames(t *testing.T) {
	s := egressQuery(t)
	s.family, s.saddr, s.daddr = afInet6, "fd00::11", "fd00::a"
	s.payload = query(t, ".", dnsmessage.TypeNS) // root priming
	ev := mustDecode(t, "dns", s.bytes())
	assert.Equal(t, &unifiedevent.Network{
		Transport: "udp", Type: "ipv6",
		LocalAddress: "fd00::11", LocalPort: 41234, PeerAddress: "fd00::a", PeerPort: 53,
		DNS: &unifiedevent.DNS{QuestionName: ".", QuestionType: "NS", TransactionID: 0xbeef},
	}, ev.Network)
	assert.Equal(t, "dns query NS . to [fd00::a]:53", ev.Message)

	s.payload = query(t, "svc.", dnsmessage.Type(65280)) // private use, no name
	assert.Equal(t, "TYPE65280", mustDecode(t, "dns", s.bytes()).Network.DNS.QuestionType)
	s.payload = query(t, "svc.", dnsmessage.TypeSRV)
	assert.Equal(t, "SRV", mustDecode(t, "dns", s.bytes()).Network.DNS.QuestionType)
}

// A response with no question (a FORMERR echoing nothing) is still a
// response worth reporting.
func TestDNSResponseWithoutQuestion(t *testing.T) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, Response: true, RCode: dnsmessage.RCodeFormatError})
	msg, err := b.Finish()
	require.NoError(t, err)
	ev := mustDecode(t, "dns", ingressResponse(msg).bytes())
	assert.Equal(t, &unifiedevent.DNS{ResponseCode: "FORMERR", TransactionID: 7}, ev.Network.DNS)
	assert.Equal(t, "dns response FORMERR from 10.96.0.10:53", ev.Message)
}
