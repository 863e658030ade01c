package engine

import (
	"hash/maphash"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// sum128 stands for a tuple of strings in the engine's maps. A map keyed
// by the strings themselves compares them on every lookup, and the stored
// copies are cold (they belong to whichever event first named the
// object), so each lookup paid cache misses on string bytes; 16 bytes
// inline in the map slot are compared in the line the lookup reads anyway.
// Two independently seeded 64-bit halves make a collision among the at
// most a few hundred thousand live keys about n²/2¹²⁹, far below the odds
// of a memory error, so equal sums are taken as equal tuples.
type sum128 [2]uint64

// summer hashes tuples with seeds of its own engine, fresh per process:
// input cannot be crafted to collide, and nothing persists the sums.
type summer struct {
	a, b  maphash.Seed
	known *fieldHashes
}

func newSummer() summer {
	return summer{a: maphash.MakeSeed(), b: maphash.MakeSeed(), known: new(fieldHashes)}
}

// mix folds one part's hash into h; the multiply makes the fold order
// matter, so (x, y) and (y, x) differ.
func mix(h, x uint64) uint64 { return (h ^ x) * 0x9e3779b97f4a7c15 }

// sum hashes parts under tag (a rule index, or a constant per map), so
// equal strings under different tags differ.
func (s summer) sum(tag uint64, parts ...string) sum128 {
	ha, hb := mix(0, tag), mix(0, tag)
	for _, p := range parts {
		a, b := s.known.field(s, p)
		ha, hb = mix(ha, a), mix(hb, b)
	}
	return sum128{ha ^ ha>>29, hb ^ hb>>29}
}

// forget starts a new event's fields (see fieldHashes).
func (s summer) forget() { s.known.n = 0 }

// group is the sum of a rule's key: the groups map's key.
func (s summer) group(rule int, k Key) sum128 {
	return s.sum(uint64(rule), k.Namespace, k.Kind, k.Name)
}

// subjectTag keeps subject sums apart from key sums.
const subjectTag = 3 << 32

// subject sums what Impact.add records of an event: the pod, workload,
// node and Service it names. 64 bits suffice here: a sum is only compared
// with the one before it in the same incident, never looked up among
// many, so a false match has odds of 2⁻⁶⁴ per member. 0 means "always
// add": an event with several Services names more than one.
func (s summer) subject(k *unifiedevent.K8s, node string) uint64 {
	if k == nil {
		return s.sum(subjectTag, node)[0]
	}
	if len(k.Services) > 1 {
		return 0
	}
	svc := ""
	if len(k.Services) == 1 {
		svc = k.Services[0]
	}
	if k.NodeName != "" {
		node = k.NodeName
	}
	return s.sum(subjectTag+uint64(len(k.Services)), k.Namespace, k.PodName, k.WorkloadKind, k.WorkloadName, node, svc)[0] | 1
}
