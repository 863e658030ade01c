package ebpfdecoder

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

type dnsParts struct {
	ev  unifiedevent.Event
	n   unifiedevent.Network
	d   unifiedevent.DNS
	p   unifiedevent.Process
	k   unifiedevent.Kernel
	ans [4]string // backs d.Answers for the usual short answer
}

func decodeDNS(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error) {
	e, err := wire.ParseDNS(b)
	if err != nil {
		return nil, err
	}
	if err := checkType(e.Header, want); err != nil {
		return nil, err
	}
	src, dst, typ, err := endpoints(e.Family, e.Src, e.Dst)
	if err != nil {
		return nil, err
	}
	cgroup, err := toInt64("cgroup id", e.CgroupID)
	if err != nil {
		return nil, err
	}
	x := lend(s, func(sc *scratch) *dnsParts { return &sc.dns })
	h, err := x.parse(e.Payload)
	if err != nil {
		return nil, err
	}

	egress := e.Egress()
	local, lport, peer, pport := dst, e.DstPort, src, e.SrcPort
	if egress {
		local, lport, peer, pport = src, e.SrcPort, dst, e.DstPort
	}
	// Fields are set one by one: x is zeroed already, and a composite
	// literal would copy a whole part through a temporary.
	x.n.Transport, x.n.Type = transportUDP, typ
	x.n.LocalAddress, x.n.LocalPort = addrText(s, local), lport
	x.n.PeerAddress, x.n.PeerPort = addrText(s, peer), pport
	x.n.DNS = &x.d
	x.ev.Network = &x.n
	// On ingress the kernel side zeroes pid and comm: the softirq that
	// received the packet ran in whatever task it interrupted.
	if egress && e.PID != 0 {
		x.p = unifiedevent.Process{PID: int64(e.PID), ExecutableName: text(e.Comm)}
		x.ev.Process = &x.p
	}
	if cgroup != 0 {
		x.k.CgroupID = cgroup
		x.ev.Kernel = &x.k
	}

	var buf [msgSize]byte
	m := buf[:0]
	if h.Response {
		x.ev.Name = unifiedevent.NameDNSResponse
		x.d.ResponseCode = rcodeName(h.RCode)
		switch h.RCode {
		case dnsmessage.RCodeNameError:
			decode.SeverityWarn.Set(&x.ev)
		case dnsmessage.RCodeServerFailure, dnsmessage.RCodeRefused:
			decode.SeverityError.Set(&x.ev)
		default:
			decode.SeverityInfo.Set(&x.ev)
		}
		m = append(m, "dns response "...)
		m = append(m, x.d.ResponseCode...)
		if x.d.QuestionName != "" {
			m = append(m, " for "...)
		}
	} else {
		x.ev.Name = unifiedevent.NameDNSQuery
		decode.SeverityInfo.Set(&x.ev)
		m = append(m, "dns query "...)
	}
	if x.d.QuestionName != "" {
		m = append(m, x.d.QuestionType...)
		m = append(m, ' ')
		m = append(m, x.d.QuestionName...)
	}
	if egress {
		m = append(m, " to "...)
	} else {
		m = append(m, " from "...)
	}
	m = appendEndpoint(m, peer, pport)
	if n := len(x.d.Answers); n > 0 {
		m = append(m, ", "...)
		m = strconv.AppendInt(m, int64(n), 10)
		m = append(m, " answers"...)
	}
	if e.Flags&wire.FlagTruncated != 0 {
		m = append(m, " (payload cut at "...)
		m = strconv.AppendInt(m, int64(len(e.Payload)), 10)
		m = append(m, " of "...)
		m = strconv.AppendUint(m, uint64(e.PayloadLen), 10)
		m = append(m, " bytes)"...)
	}
	x.ev.Message = string(m)
	return &x.ev, nil
}

// parse reads the header, the first question and, for a response, the A,
// AAAA and CNAME answers into x.d. Only a header and question that cannot
// be read fail it: the kernel captures at most 512 bytes, so answers may
// run off the end of a complete question and are kept as far as they go.
func (x *dnsParts) parse(payload []byte) (dnsmessage.Header, error) {
	var p dnsmessage.Parser
	h, err := p.Start(payload)
	if err != nil {
		return h, fmt.Errorf("%w: dns header: %w", ErrMalformed, err)
	}
	x.d.TransactionID = h.ID
	q, err := p.Question()
	switch {
	case errors.Is(err, dnsmessage.ErrSectionDone):
		// A response may carry no question (FORMERR, some REFUSED); a
		// query without one asks nothing and is not DNS we understand.
		if !h.Response {
			return h, fmt.Errorf("%w: dns query without a question", ErrMalformed)
		}
		return h, nil
	case err != nil:
		return h, fmt.Errorf("%w: dns question: %w", ErrMalformed, err)
	}
	x.d.QuestionName = nameText(q.Name)
	x.d.QuestionType = typeName(q.Type)
	if !h.Response {
		return h, nil
	}
	if p.SkipAllQuestions() != nil {
		return h, nil
	}
	x.d.Answers = x.ans[:0]
	for {
		rh, err := p.AnswerHeader()
		if err != nil {
			break // ErrSectionDone, or the capture ended mid-record
		}
		a, err := answer(&p, rh.Type)
		if err != nil {
			break
		}
		if a != "" {
			x.d.Answers = append(x.d.Answers, a)
		}
	}
	if len(x.d.Answers) == 0 {
		x.d.Answers = nil
	}
	return h, nil
}

// answer reads one answer's data: an address or a CNAME target. Other
// types are skipped; they say nothing about where a name led.
func answer(p *dnsmessage.Parser, t dnsmessage.Type) (string, error) {
	switch t {
	case dnsmessage.TypeA:
		r, err := p.AResource()
		if err != nil {
			return "", err
		}
		return netip.AddrFrom4(r.A).String(), nil
	case dnsmessage.TypeAAAA:
		r, err := p.AAAAResource()
		if err != nil {
			return "", err
		}
		return netip.AddrFrom16(r.AAAA).String(), nil
	case dnsmessage.TypeCNAME:
		r, err := p.CNAMEResource()
		if err != nil {
			return "", err
		}
		return nameText(r.CNAME), nil
	}
	return "", p.SkipAnswer()
}

// nameText is a DNS name without its trailing dot, as dns.question.name
// wants it; the root stays ".", which is a real question (priming).
func nameText(n dnsmessage.Name) string {
	s := n.String()
	if len(s) > 1 {
		s = strings.TrimSuffix(s, ".")
	}
	return text(s)
}

// typeName is the presentation name of a record type (A, AAAA), or
// TYPEnnn for one without a name, as RFC 3597 writes them.
func typeName(t dnsmessage.Type) string {
	switch t {
	case dnsmessage.TypeA:
		return "A"
	case dnsmessage.TypeAAAA:
		return "AAAA"
	}
	s := t.String()
	if rest, ok := strings.CutPrefix(s, "Type"); ok {
		return rest
	}
	return "TYPE" + s
}

var rcodeNames = [...]string{
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
}

// rcodeName is the header's 4-bit response code by its IANA mnemonic, or
// RCODEn. Extended codes in an EDNS OPT record are not combined in.
func rcodeName(r dnsmessage.RCode) string {
	if int(r) < len(rcodeNames) {
		return rcodeNames[r]
	}
	return "RCODE" + strconv.Itoa(int(r))
}
