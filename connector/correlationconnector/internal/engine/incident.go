package engine

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Member is one event kept in an incident, enough to list it and draw it as
// a span.
type Member struct {
	EventID string
	Name    unifiedevent.Name
	Role    string
	Time    time.Time
	Message string
	SpanID  pcommon.SpanID
}

type roleCount struct {
	role string
	n    int
}

// Incident is a group of events one rule joined under one key. It is an
// incident proper once its rule's verdict opens it; before that it is a
// candidate.
type Incident struct {
	// The fields every join reads or writes come first, so a join of a
	// cold incident touches five cache lines rather than ten: with
	// thousands open, these misses are most of what a join costs.
	First, Last time.Time
	// seen is a Bloom filter over hashes: most events are not
	// re-deliveries, and one probe here spares the scan of up to
	// max_events_per_incident hashes for them.
	// At 512 bits and three bits per hash it answers "maybe" for about
	// 3 % of fresh events once 64 members are kept; the earlier 256 bits
	// and two answered it for 15 %, and each "maybe" scanned eight cold
	// lines of hashes.
	seen [8]uint64
	// Members are the first kept events; Count counts all of them.
	Members []Member
	Count   int
	Rule    Rule
	// Data is the rule's own state (last exit code, memory limit …), set
	// in Observe; the engine never reads it.
	Data any
	// prev and next link the group into its queue (see queue).
	prev, next *Incident
	touched    uint64
	ruleIdx    int
	open       bool
	// changed marks an open incident with members not yet reported.
	changed bool
	roles   []roleCount
	// roleBuf holds the first roles in the incident itself: no rule has
	// more than four, and counting a role then reads no other memory.
	roleBuf [4]roleCount
	Impact  Impact

	ID      string
	Key     Key
	TraceID pcommon.TraceID
	// RootSpanID is the span the member spans hang from.
	RootSpanID pcommon.SpanID
	// hashes of the Members' event ids, packed apart from the members so
	// the duplicate check reads one cache line per eight, not per member.
	hashes  []uint64
	verdict Verdict
	// reported is the event time of the last opened or updated record.
	reported time.Time
	// exported is how many Members have gone out as spans.
	exported int
	// sum is the key in the engine's groups map.
	sum sum128
}

// Roles returns how many members joined in role.
func (in *Incident) Roles(role string) int {
	for _, r := range in.roles {
		if r.role == role {
			return r.n
		}
	}
	return 0
}

func (in *Incident) addRole(role string) {
	for i := range in.roles {
		if in.roles[i].role == role {
			in.roles[i].n++
			return
		}
	}
	if in.roles == nil {
		in.roles = in.roleBuf[:0]
	}
	in.roles = append(in.roles, roleCount{role: role, n: 1})
}

// seenBits are the three filter bits of a member hash, 9 bits each.
func seenBits(h uint64) (i, j, k uint64) { return h & 511, h >> 9 & 511, h >> 18 & 511 }

// addHash records a kept member's event id hash.
func (in *Incident) addHash(h uint64) {
	in.hashes = append(in.hashes, h)
	i, j, k := seenBits(h)
	in.seen[i/64] |= 1 << (i % 64)
	in.seen[j/64] |= 1 << (j % 64)
	in.seen[k/64] |= 1 << (k % 64)
}

// mayHave reports whether a member with event id hash h may be kept; false
// is certain.
func (in *Incident) mayHave(h uint64) bool {
	i, j, k := seenBits(h)
	return in.seen[i/64]&(1<<(i%64)) != 0 && in.seen[j/64]&(1<<(j%64)) != 0 && in.seen[k/64]&(1<<(k%64)) != 0
}

// Verdict is the rule's latest reading.
func (in *Incident) Verdict() Verdict { return in.verdict }

// Impact is what the incident hit, each list sorted and capped.
type Impact struct {
	// last is the sum of the subject added last (see subjectSum):
	// members of one incident mostly name the same pod, and comparing
	// sums is cheaper than four searches or than reading the last
	// subject's strings, which are cold by the next member. It comes
	// first to sit next to the incident's other hot fields.
	last                             uint64
	Pods, Workloads, Nodes, Services []string
}

// maxImpact caps each impact list: an incident that hits more objects than
// this is described by the first ones; memory per incident stays bounded.
const maxImpact = 32

// joined is up to three parts meant to be joined by "/", passed by value
// so that looking one up allocates nothing.
type joined struct {
	parts [3]string
	n     int
}

func join(parts ...string) joined {
	var j joined
	for _, p := range parts {
		if p == "" {
			return joined{}
		}
		j.parts[j.n] = p
		j.n++
	}
	return j
}

func (j joined) String() string { return strings.Join(j.parts[:j.n], "/") }

// addSorted inserts j into the sorted s, allocating the joined string only
// when it is new. A j with an empty part (n == 0) is skipped.
func addSorted(s []string, j joined) []string {
	if j.n == 0 {
		return s
	}
	i, found := slices.BinarySearchFunc(s, j, compareJoined)
	if found || len(s) >= maxImpact {
		return s
	}
	return slices.Insert(s, i, j.String())
}

// compareJoined compares s with j.String() without building the latter.
func compareJoined(s string, j joined) int {
	for i, p := range j.parts[:j.n] {
		if i > 0 {
			if s == "" {
				return -1
			}
			if c := cmp.Compare(s[0], '/'); c != 0 {
				return c
			}
			s = s[1:]
		}
		n := min(len(s), len(p))
		if c := strings.Compare(s[:n], p[:n]); c != 0 {
			return c
		}
		if len(s) < len(p) {
			return -1
		}
		s = s[len(p):]
	}
	if s != "" {
		return 1
	}
	return 0
}

// add records ev's subject; subj is its subjectSum, 0 when ev names no
// subject or more than one Service, which is always added.
func (im *Impact) add(ev *unifiedevent.Event, node string, subj uint64) {
	k := ev.K8s
	if subj != 0 && subj == im.last {
		return
	}
	im.last = subj
	if k != nil {
		if k.Namespace != "" {
			im.Pods = addSorted(im.Pods, join(k.Namespace, k.PodName))
			im.Workloads = addSorted(im.Workloads, join(k.Namespace, k.WorkloadKind, k.WorkloadName))
			for _, s := range k.Services {
				im.Services = addSorted(im.Services, join(k.Namespace, s))
			}
		}
		if k.NodeName != "" {
			node = k.NodeName
		}
	}
	im.Nodes = addSorted(im.Nodes, join(node))
	// The far side of a failed connection is hit too: its Services are
	// what users of the incident search by.
	if p := ev.Peer; p != nil && p.Namespace != "" {
		for _, s := range p.Services {
			im.Services = addSorted(im.Services, join(p.Namespace, s))
		}
	}
}
