package k8senrichprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// resolved is one record's lookups, done before the timer starts.
type resolved struct {
	s        subject
	w, peerW kubecache.Owner
	peer     *kubecache.Pod
	svc      *kubecache.Service
}

// BenchmarkWrite is the write half of BenchmarkEnrich alone: the same
// records (local=110, batches of 1,000, fresh copies made untimed) get the
// same parts and status, with every lookup done beforehand. It is the cost
// the schema's values put on the processor whatever the cache does: the
// floor under BenchmarkEnrich.
func BenchmarkWrite(b *testing.B) {
	p, events := benchProcessor(b, 110)
	const batch = 1000
	now := time.Now()
	var templates []plog.Logs
	var found [][]resolved
	for i := 0; i < len(events); i += batch {
		t := batchOf(events[i:min(i+batch, len(events))])
		var rs []resolved
		forEach(t, func(lr plog.LogRecord) {
			k := readKeys(lr)
			r := resolved{s: p.resolver.subject(&k, now)}
			if r.s.pod == nil {
				b.Fatal("subject not resolved")
			}
			r.w = p.cache.Workload(r.s.pod)
			if r.peer, r.svc = p.resolver.peer(&k); r.peer != nil {
				r.peerW = p.cache.Workload(r.peer)
			}
			rs = append(rs, r)
		})
		templates = append(templates, t)
		found = append(found, rs)
	}
	work := plog.NewLogs()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var cpu time.Duration
	for b.Loop() {
		for j, t := range templates {
			b.StopTimer()
			t.CopyTo(work)
			rs := found[j]
			b.StartTimer()
			c0 := cpuTime()
			i := 0
			forEach(work, func(lr plog.LogRecord) {
				r := &rs[i]
				i++
				writeSubject(lr, r.s, r.w)
				if r.peer != nil || r.svc != nil {
					writePeer(lr, r.peer, r.svc, r.peerW)
				}
				lr.Attributes().PutStr(AttrEnrichmentStatus, StatusResolved)
			})
			cpu += cpuTime() - c0
			b.StopTimer()
			checkEnriched(b, work)
			b.StartTimer()
		}
		n += len(events)
	}
	report(b, n, cpu)
}
