package k8senrichprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// resolved is one record's lookups, done before the timer starts.
type resolved struct {
	at    place
	peerW kubecache.Owner
	peer  *kubecache.Pod
	svc   *kubecache.Service
}

// BenchmarkWrite is the write half of BenchmarkEnrich alone: the same
// records (local=110, batches of 1,000, freshly written untimed) get the
// same status and peer part and move under the same per-pod Resources,
// with every lookup done beforehand (the subject's workload, looked up
// once per pod, is left in). It is the cost the schema's values put on the
// processor whatever the cache does: the floor under BenchmarkEnrich.
func BenchmarkWrite(b *testing.B) {
	p, events := benchProcessor(b, 110)
	const batch = 1000
	now := time.Now()
	var found [][]resolved
	for i := 0; i < len(events); i += batch {
		t := batchOf(events[i:min(i+batch, len(events))])
		var rs []resolved
		forEach(t, func(lr plog.LogRecord) {
			k := readKeys(lr)
			s := p.resolver.subject(&k, now)
			if s.pod == nil {
				b.Fatal("subject not resolved")
			}
			r := resolved{at: place{pod: s.pod, containerID: s.containerID, runtime: s.runtime}}
			if r.peer, r.svc = p.resolver.peer(&k); r.peer != nil {
				r.peerW = p.cache.Workload(r.peer)
			}
			rs = append(rs, r)
		})
		found = append(found, rs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var cpu time.Duration
	for b.Loop() {
		for j, rs := range found {
			b.StopTimer()
			work := batchOf(events[j*batch : min((j+1)*batch, len(events))])
			b.StartTimer()
			c0 := cpuTime()
			i := 0
			g := getRegroup(work, p.cache)
			g.walk(func(lr plog.LogRecord) place {
				r := &rs[i]
				i++
				if r.peer != nil || r.svc != nil {
					writePeer(lr, r.peer, r.svc, r.peerW)
				}
				lr.Attributes().PutStr(AttrEnrichmentStatus, StatusResolved)
				return r.at
			})
			putRegroup(g)
			cpu += cpuTime() - c0
			b.StopTimer()
			checkEnriched(b, work)
			b.StartTimer()
		}
		n += len(events)
	}
	report(b, n, cpu)
}
