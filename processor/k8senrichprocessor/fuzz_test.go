package k8senrichprocessor

import (
	"net/netip"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// FuzzEnrich feeds records with arbitrary values under the keys the
// processor reads. It must never panic, and a record it resolves must
// name a pod the cache holds.
func FuzzEnrich(f *testing.F) {
	f.Add("uid-a", "", int64(0), int64(0), "10.244.0.1", "", "", "", int64(time.Now().UnixNano()))
	f.Add("", "c-a", int64(4121), int64(77), "", "10.244.0.1", "default", "a", int64(0))
	f.Add("", "", int64(-1), int64(-9), "::ffff:10.244.0.1", "fe80::1%eth0", "", "a", int64(-5))
	f.Fuzz(func(t *testing.T, uid, cid string, pid, cgroup int64, peer, local, ns, name string, ts int64) {
		p := fuzzProcessor(t)
		lr := plog.NewLogRecord()
		lr.SetTimestamp(0)
		if ts > 0 {
			lr.SetTimestamp(plogTimestamp(ts))
		}
		a := lr.Attributes()
		a.PutStr(attrPodUID, uid)
		a.PutStr(attrContainerID, cid)
		a.PutInt(attrPID, pid)
		a.PutStr(attrPeerAddress, peer)
		a.PutStr(attrLocalAddress, local)
		a.PutStr(attrNamespace, ns)
		a.PutStr(attrPodName, name)
		lr.Body().SetEmptyMap().PutEmptyMap("kernel").PutInt("cgroup_id", cgroup)
		o, at := p.enrich(lr, time.Now(), false, false)
		switch o.status {
		case "", StatusResolved, StatusMiss:
		default:
			t.Fatalf("status %q", o.status)
		}
		if at.pod != nil && (o.status != StatusResolved || p.cache.PodByUID(at.pod.UID) != at.pod) {
			t.Fatalf("status %q with pod %+v not in the cache", o.status, at.pod)
		}
	})
}

func fuzzProcessor(t *testing.T) *enrichProcessor {
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = 0 })
	p.cache.UpsertPod(&kubecache.Pod{UID: "uid-a", Name: "a", Namespace: "default", Node: thisNode,
		IPs: []netip.Addr{netip.MustParseAddr("10.244.0.1")}, Containers: []kubecache.Container{{ID: "c-a", Name: "main"}},
		OwnerKind: "ReplicaSet", OwnerName: "a-1", OwnerUID: "rs"}, time.Unix(0, 0))
	return p
}

func plogTimestamp(ns int64) pcommon.Timestamp { return pcommon.Timestamp(ns) }
