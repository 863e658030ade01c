package rules

import (
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// roleDNSTimeout is a query no response answered within the timeout.
const roleDNSTimeout = "dns_timeout"

// DNSTimeouts makes rule 5 count unanswered queries. The eBPF receiver
// sees every UDP port-53 datagram of a pod, both ways, and the decoder
// names each a tapio.dns.query or tapio.dns.response with its transaction
// id; a query and its response share the pod, the pod's port and the
// server's address. A query still unanswered Timeout after it was sent
// (in event time) is a timeout.
type DNSTimeouts struct {
	Timeout time.Duration
	// MaxPending bounds the queries awaiting an answer; at the cap the
	// oldest is forgotten (not counted as a timeout).
	MaxPending int
}

// queryKey names one query on the wire: the pod, its port, the server and
// the transaction id. A resolver retrying after a timeout sends a new
// query (new port or id), which is tracked on its own.
type queryKey struct {
	ns, pod, server string
	port, id        uint16
}

type pendingQuery struct {
	key      queryKey
	due      time.Time
	id, name string
	node     string
	subject  unifiedevent.K8s
}

// pending is the queries awaiting an answer, in the order they were sent
// (event time, as they arrive); answered ones leave the map and are
// skipped when they reach the front.
type pending struct {
	cfg   DNSTimeouts
	open  map[queryKey]time.Time
	queue []pendingQuery
	// early holds answers read before their query: the batches keep the
	// receiver's order, but a processor holding records back may not.
	early map[queryKey]time.Time
	head  int
	// scratch backs the Late events handed to the engine.
	evs []unifiedevent.Event
}

func (p *pending) query(in engine.Input, t time.Time) {
	ev := in.Event
	k, ok := keyOf(ev)
	if !ok {
		return
	}
	if at, ok := p.early[k]; ok {
		delete(p.early, k)
		if d := at.Sub(t); d >= 0 && d <= p.cfg.Timeout {
			return
		}
	}
	if p.open == nil {
		p.open = map[queryKey]time.Time{}
	}
	if len(p.open) >= p.cfg.MaxPending {
		p.dropOldest()
	}
	due := t.Add(p.cfg.Timeout)
	p.open[k] = due
	s := *ev.K8s
	s.Services = nil
	p.queue = append(p.queue, pendingQuery{key: k, due: due, id: ev.ID, name: ev.Network.DNS.QuestionName, node: in.Node, subject: s})
}

func (p *pending) answer(ev *unifiedevent.Event, t time.Time) {
	k, ok := keyOf(ev)
	if !ok {
		return
	}
	if _, ok := p.open[k]; ok {
		delete(p.open, k)
		return
	}
	// Crude but bounded, as the pod map: dropping them all at the cap
	// costs at worst a few false timeouts.
	if p.early == nil || len(p.early) >= p.cfg.MaxPending {
		p.early = map[queryKey]time.Time{}
	}
	p.early[k] = t
}

func (p *pending) dropOldest() {
	for p.head < len(p.queue) {
		q := p.queue[p.head]
		p.head++
		if due, ok := p.open[q.key]; ok && due.Equal(q.due) {
			delete(p.open, q.key)
			return
		}
	}
}

// due hands the engine each query still open at its deadline, as a
// dns_timeout of the query's own event (its id and subject) at that time.
func (p *pending) due(now time.Time, key func(*unifiedevent.K8s) engine.Key, out []engine.Late) []engine.Late {
	p.evs = p.evs[:0]
	var ready []pendingQuery
	for p.head < len(p.queue) && !p.queue[p.head].due.After(now) {
		q := p.queue[p.head]
		p.head++
		if due, ok := p.open[q.key]; !ok || !due.Equal(q.due) {
			continue
		}
		delete(p.open, q.key)
		ready = append(ready, q)
	}
	// Compact once the answered front outweighs what is left.
	if p.head > len(p.queue)/2 {
		p.queue = append(p.queue[:0], p.queue[p.head:]...)
		p.head = 0
	}
	if cap(p.evs) < len(ready) {
		p.evs = make([]unifiedevent.Event, 0, len(ready))
	}
	for _, q := range ready {
		p.evs = append(p.evs, unifiedevent.Event{
			ID: q.id, Name: unifiedevent.NameDNSQuery, Time: q.due,
			Message: "dns query " + q.name + " unanswered",
			K8s:     &q.subject,
			Network: &unifiedevent.Network{DNS: &unifiedevent.DNS{QuestionName: q.name, ResponseCode: "timeout"}},
		})
		ev := &p.evs[len(p.evs)-1]
		out = append(out, engine.Late{In: engine.Input{Event: ev, Node: q.node}, Signal: engine.Signal{Key: key(ev.K8s), Role: roleDNSTimeout, Opens: true}})
	}
	return out
}

// keyOf reads a query's or response's wire identity; an event without a
// pod, a port or an id cannot be paired and is not tracked.
func keyOf(ev *unifiedevent.Event) (queryKey, bool) {
	n, k := ev.Network, ev.K8s
	if n == nil || n.DNS == nil || k == nil || k.Namespace == "" || k.PodName == "" || n.LocalPort == 0 {
		return queryKey{}, false
	}
	return queryKey{ns: k.Namespace, pod: k.PodName, server: n.PeerAddress, port: n.LocalPort, id: n.DNS.TransactionID}, true
}
