package k8senrichprocessor

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata/pref"
	"go.opentelemetry.io/collector/processor/processortest"
	"golang.org/x/sys/unix"

	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

const benchPods = 10_000

// benchProcessor is a processor whose cache holds benchPods pods, local of
// them on this node (with a container and a known cgroup each), and a
// Service per 10 pods; and benchPods events whose subjects are the local
// pods and whose peers are any pod. The cache is filled directly: the
// benchmark measures enrichment, not the API server.
func benchProcessor(b *testing.B, local int) (*enrichProcessor, []*unifiedevent.Event) {
	b.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.NodeName = thisNode
	cfg.HostProc = b.TempDir()
	cfg.CgroupRoot = b.TempDir()
	p, err := newEnrichProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.shutdown(b.Context()) })
	c := p.cache
	now := time.Now()
	var services []*kubecache.Service
	events := make([]*unifiedevent.Event, 0, benchPods)
	for i := range benchPods {
		app := fmt.Sprintf("app-%d", i/10)
		uid := fmt.Sprintf("%08x-7a52-4a89-9d1c-%012x", i, i)
		cid := fmt.Sprintf("%064x", i+1)
		ip := podIP(i)
		pod := &kubecache.Pod{
			UID: uid, Name: fmt.Sprintf("%s-7d9f8c6b5-%05d", app, i), Namespace: "shop", Node: otherNode,
			OwnerKind: "ReplicaSet", OwnerName: app + "-7d9f8c6b5", OwnerUID: "rs-" + app,
			Labels: []string{"app", app}, IPs: []netip.Addr{ip}, Created: now.Add(-time.Hour),
		}
		if i < local {
			pod.Node = thisNode
			pod.Containers = []kubecache.Container{{ID: cid, Name: "main"}}
			p.resolver.ids.Add(uint64(100_000+i), "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"+uid+".slice/cri-containerd-"+cid+".scope")
		}
		c.UpsertPod(pod, now.Add(-time.Hour))
		if i%10 == 0 {
			c.UpsertOwner(kubecache.KindReplicaSet, "rs-"+app, kubecache.Owner{Kind: "Deployment", Name: app})
			services = append(services, &kubecache.Service{Name: app, Namespace: "shop",
				ClusterIPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 96, byte(i >> 8), byte(i)})}, Selector: []string{"app", app}})
		}
	}
	// The mix a node sends: execs, connects to another pod, DNS.
	for i := range benchPods {
		subject := i % local
		cg := int64(100_000 + subject)
		addr := podIP(subject).String()
		peer := podIP(i * 7919 % benchPods).String()
		switch i % 3 {
		case 0:
			events = append(events, execEvent(cg, now))
		case 1:
			events = append(events, tcpEvent(cg, addr, peer, now))
		default:
			events = append(events, dnsEvent(cg, addr, now))
		}
	}
	c.ReplaceServices(services)
	return p, events
}

func podIP(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 244, byte(i >> 8), byte(i)}) }

func batchOf(events []*unifiedevent.Event) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ev := range events {
		ev.WriteTo(lrs.AppendEmpty())
	}
	return ld
}

// nodeShapes are the two ways 10,000 cached pods meet a node's events: a
// node running 110 of them (the kubelet's default maximum) as subjects,
// with peers anywhere; and the worst case, every event about another of
// the 10,000 pods, so no lookup finds its memory in a CPU cache.
var nodeShapes = []struct {
	name  string
	local int
}{{"local=110", 110}, {"local=10000", benchPods}}

// BenchmarkEnrich is the processor's own work per event with 10,000 pods
// cached: read the keys, resolve subject and peer, write the status and
// peer, and move the record under its pod's Resource (written once per pod
// per batch).
// Each round enriches 10,000 events freshly written by the schema's
// WriteTo, with the timer stopped: what tapio_unified hands this processor
// in the agent's pipeline, including the room WriteTo leaves in the
// attributes (a CopyTo'd batch has none, so the status alone would
// reallocate every record's attributes).
func BenchmarkEnrich(b *testing.B) {
	for _, shape := range nodeShapes {
		// Batches of 1,000 stay in the CPU caches between the copy that
		// stands for the previous processor and this one, as in a
		// pipeline; batches of 10,000 (30 MB) do not.
		for _, batch := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/batch=%d", shape.name, batch), func(b *testing.B) { benchEnrich(b, shape.local, batch, false) })
		}
	}
}

// BenchmarkEnrichPooled is BenchmarkEnrich/local=110/batch=1000 with the
// collector's pdata.useProtoPooling feature gate on, each batch handed
// back once enriched as the service does when a pipeline's ConsumeLogs
// returns (untimed, which favours the gate): pdata's records and values
// then come from pools the earlier batches refilled instead of the heap.
// It answers whether the distribution should ship with the gate on.
func BenchmarkEnrichPooled(b *testing.B) {
	const gate = "pdata.useProtoPooling"
	if err := featuregate.GlobalRegistry().Set(gate, true); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = featuregate.GlobalRegistry().Set(gate, false) })
	benchEnrich(b, 110, 1000, true)
}

// benchEnrich enriches rounds of benchPods events in batches; with
// release set each batch is marked as a pipeline's and released after it,
// as the service's pipelines do.
func benchEnrich(b *testing.B, local, batch int, release bool) {
	p, events := benchProcessor(b, local)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var cpu time.Duration
	for b.Loop() {
		for i := 0; i < len(events); i += batch {
			b.StopTimer()
			work := batchOf(events[i:min(i+batch, len(events))])
			if release {
				pref.MarkPipelineOwnedLogs(work)
			}
			b.StartTimer()
			c0 := cpuTime()
			if _, err := p.processLogs(b.Context(), work); err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - c0
			b.StopTimer()
			checkEnriched(b, work)
			if release {
				pref.UnrefLogs(work)
			}
			b.StartTimer()
		}
		n += len(events)
	}
	report(b, n, cpu)
}

// report gives the rate by wall clock and by the process's CPU time (GC
// included). On a shared machine the wall-clock rate drops with other
// load; the CPU-time rate is the cost of the work itself.
func report(b *testing.B, n int, cpu time.Duration) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeRewrite is the alternative the processor avoids:
// decoding each record into an Event, setting its K8s part and writing it
// back, with the same lookups done beforehand.
func BenchmarkDecodeRewrite(b *testing.B) {
	p, events := benchProcessor(b, 110)
	template := batchOf(events)
	work := plog.NewLogs()
	pod := p.cache.PodByUID(fmt.Sprintf("%08x-7a52-4a89-9d1c-%012x", 0, 0))
	k8s := &unifiedevent.K8s{PodUID: pod.UID, PodName: pod.Name, Namespace: pod.Namespace, NodeName: pod.Node,
		ContainerName: "main", WorkloadKind: "Deployment", WorkloadName: "app-0", Services: pod.Services}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		template.CopyTo(work)
		b.StartTimer()
		c0 := cpuTime()
		forEach(work, func(lr plog.LogRecord) {
			ev, err := unifiedevent.FromLogRecord(lr)
			if err != nil {
				b.Fatal(err)
			}
			ev.K8s = k8s
			ev.WriteTo(lr)
		})
		cpu += cpuTime() - c0
		n += len(events)
	}
	report(b, n, cpu)
}

// checkEnriched makes the benchmark fail if the work it timed did not
// resolve every event and put it under its pod's Resource.
func checkEnriched(b *testing.B, ld plog.Logs) {
	for _, rl := range ld.ResourceLogs().All() {
		if _, ok := rl.Resource().Attributes().Get("k8s.deployment.name"); !ok {
			b.Fatalf("no workload on the Resource: %v", rl.Resource().Attributes().AsRaw())
		}
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if st, _ := lr.Attributes().Get(AttrEnrichmentStatus); st.Str() != StatusResolved {
					b.Fatalf("event not resolved: %v", lr.Attributes().AsRaw())
				}
			}
		}
	}
}

// BenchmarkResolve is the lookup half of BenchmarkEnrich alone: the keys
// read from each record and the subject and peer found in the cache, with
// nothing written. The difference to BenchmarkEnrich is the cost of the
// pdata writes.
func BenchmarkResolve(b *testing.B) {
	for _, shape := range nodeShapes {
		b.Run(shape.name, func(b *testing.B) { benchResolve(b, shape.local) })
	}
}

func benchResolve(b *testing.B, local int) {
	p, events := benchProcessor(b, local)
	ld := batchOf(events)
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	now := time.Now()
	b.ReportAllocs()
	n, found := 0, 0
	c0 := cpuTime()
	for b.Loop() {
		for i := 0; i < lrs.Len(); i++ {
			k := readKeys(lrs.At(i))
			if s := p.resolver.subject(&k, now); s.pod != nil {
				p.cache.Workload(s.pod)
				found++
			}
			p.resolver.peer(&k)
		}
		n += lrs.Len()
	}
	cpu := cpuTime() - c0
	if found != n {
		b.Fatalf("resolved %d of %d", found, n)
	}
	report(b, n, cpu)
}
