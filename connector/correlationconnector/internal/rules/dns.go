package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// DNSName is rule 5: NXDOMAIN, SERVFAIL or REFUSED answers to a workload's
// pods, or their queries left unanswered (DNSTimeouts), -> connection
// failures -> restarts, per workload.
const DNSName = "dns"

const (
	roleDNSError      = "dns_error"
	roleConnectFailed = "connect_failed"
)

type dnsTrouble struct {
	p Params
	// domainSuffix is ".<cluster domain>". With ndots:5 a resolver tries
	// "<name>.<ns>.svc.cluster.local", "<name>.svc.cluster.local" and
	// "<name>.cluster.local" before the name itself, and the tries fail
	// with NXDOMAIN on a healthy cluster.
	domainSuffix string
	// timeouts tracks queries awaiting an answer; off with a zero
	// Timeout.
	timeouts pending
}

// NewDNS builds rule 5; Threshold is the failed answers that make an
// incident.
func NewDNS(p Params, clusterDomain string, t DNSTimeouts) engine.Rule {
	return &dnsTrouble{p: p, domainSuffix: "." + strings.Trim(clusterDomain, "."), timeouts: pending{cfg: t}}
}

type dnsData struct {
	Name, Rcode string
}

func (*dnsTrouble) Name() string            { return DNSName }
func (r *dnsTrouble) Window() time.Duration { return r.p.Window }
func (r *dnsTrouble) Names() []unifiedevent.Name {
	ns := []unifiedevent.Name{unifiedevent.NameDNSResponse, unifiedevent.NameTCPState, unifiedevent.NameTCPReset, unifiedevent.NameK8sEvent}
	if r.timeouts.cfg.Timeout > 0 {
		// Queries are read only to pair them with their answers.
		ns = append(ns, unifiedevent.NameDNSQuery)
	}
	return ns
}

// Due reports the queries left unanswered (engine.Deferred).
func (r *dnsTrouble) Due(now time.Time, out []engine.Late) []engine.Late {
	if r.timeouts.cfg.Timeout <= 0 {
		return out
	}
	return r.timeouts.due(now, workloadKey, out)
}

func (r *dnsTrouble) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	key := workloadKey(ev.K8s)
	if key.IsZero() {
		return out
	}
	switch {
	case ev.Name == unifiedevent.NameDNSQuery:
		if r.timeouts.cfg.Timeout > 0 {
			r.timeouts.query(in, eventTime(ev))
		}
	case ev.Name == unifiedevent.NameDNSResponse:
		if r.timeouts.cfg.Timeout > 0 {
			r.timeouts.answer(ev, eventTime(ev))
		}
		if r.failed(ev.Network) {
			return append(out, engine.Signal{Key: key, Role: roleDNSError, Opens: true})
		}
	case ev.Name == unifiedevent.NameTCPState:
		// syn_sent -> close: a connect that never got established.
		if n := ev.Network; n != nil && n.OldState == "syn_sent" && n.State == "close" {
			return append(out, engine.Signal{Key: key, Role: roleConnectFailed})
		}
	case ev.Name == unifiedevent.NameTCPReset:
		return append(out, engine.Signal{Key: key, Role: roleConnectFailed})
	case isReason(ev, "BackOff"):
		return append(out, engine.Signal{Key: key, Role: roleRestart})
	}
	return out
}

func (r *dnsTrouble) failed(n *unifiedevent.Network) bool {
	if n == nil || n.DNS == nil {
		return false
	}
	switch n.DNS.ResponseCode {
	case "SERVFAIL", "REFUSED":
		return true
	case "NXDOMAIN":
		return !r.searchExpansion(n.DNS.QuestionName)
	}
	return false
}

// searchExpansion reports whether an NXDOMAIN name under the cluster
// domain is a search-path try rather than a lookup of a Service
// ("<service>.<namespace>.svc"), the one shape a workload asks for on
// purpose and that fails only when the Service is gone.
func (r *dnsTrouble) searchExpansion(name string) bool {
	rest, ok := strings.CutSuffix(strings.TrimSuffix(name, "."), r.domainSuffix)
	if !ok {
		return false
	}
	labels := strings.Split(rest, ".")
	return len(labels) != 3 || labels[2] != "svc"
}

func (*dnsTrouble) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d, _ := inc.Data.(*dnsData)
	if d == nil {
		d = &dnsData{}
		inc.Data = d
	}
	if sig.Role == roleDNSError || sig.Role == roleDNSTimeout {
		d.Name, d.Rcode = in.Event.Network.DNS.QuestionName, in.Event.Network.DNS.ResponseCode
	}
}

func (r *dnsTrouble) Assess(inc *engine.Incident) engine.Verdict {
	d, _ := inc.Data.(*dnsData)
	errs := inc.Roles(roleDNSError) + inc.Roles(roleDNSTimeout)
	if errs < r.p.Threshold {
		return engine.Verdict{}
	}
	c := 0.5
	conns, restarts := inc.Roles(roleConnectFailed), inc.Roles(roleRestart)
	if conns > 0 {
		c += 0.2
	}
	if restarts > 0 {
		c += 0.2
	}
	cause := "DNS " + d.Rcode + " for " + d.Name
	s := fmt.Sprintf("%s DNS failing: %s%s, last %s for %s", inc.Key.Short(), plural(errs, "failed answer", "failed answers"), within(inc.First, inc.Last), d.Rcode, d.Name)
	if conns > 0 {
		s += "; then " + plural(conns, "connection failure", "connection failures")
	}
	if restarts > 0 {
		s += "; " + plural(restarts, "restart back-off", "restart back-offs")
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*dnsTrouble) NewData() any { return new(dnsData) }

// eventTime is when ev happened, as the engine reads it.
func eventTime(ev *unifiedevent.Event) time.Time {
	if ev.Time.IsZero() {
		return ev.ObservedTime
	}
	return ev.Time
}
