package correlationconnector

import (
	"fmt"
	"slices"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// nodeResources lays a batch out as decoders leave it: the subject in the
// body, one resource per node, so events reach the connector node by node
// in order of first appearance.
func nodeResources(t *testing.T, ld plog.Logs, batch []inEvent) {
	t.Helper()
	byNode := map[string]plog.LogRecordSlice{}
	for _, ev := range batch {
		recs, ok := byNode[ev.Node]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			if ev.Node != "" {
				rl.Resource().Attributes().PutStr("k8s.node.name", ev.Node)
			}
			recs = rl.ScopeLogs().AppendEmpty().LogRecords()
			byNode[ev.Node] = recs
		}
		ev.record(t, recs.AppendEmpty())
	}
}

// podResources lays a batch out as enrichment leaves it: each event's pod
// and container moved off the body onto a Resource of its own (the body
// keeps only the reason, which is per event), a new Resource whenever the
// node or subject changes, so the events keep nodeResources' order.
func podResources(t *testing.T, ld plog.Logs, batch []inEvent) {
	t.Helper()
	first := map[string]int{}
	for i, ev := range batch {
		if _, ok := first[ev.Node]; !ok {
			first[ev.Node] = i
		}
	}
	byNode := slices.Clone(batch)
	slices.SortStableFunc(byNode, func(a, b inEvent) int { return first[a.Node] - first[b.Node] })
	var recs plog.LogRecordSlice
	last := "\x00"
	for _, ev := range byNode {
		lr := plog.NewLogRecord()
		ev.record(t, lr)
		res := pcommon.NewResource()
		if ev.Node != "" {
			res.Attributes().PutStr("k8s.node.name", ev.Node)
		}
		if e, err := unifiedevent.FromLogRecord(lr); err == nil {
			if k := e.K8s; k != nil && (k.PodName != "" || k.PodUID != "") {
				k.WriteResource(res.Attributes())
				e.K8s = nil
				if k.Reason != "" {
					e.K8s = &unifiedevent.K8s{Reason: k.Reason}
				}
			}
			if c := e.Container; c != nil {
				c.WriteResource(res.Attributes())
				e.Container = nil
			}
			e.WriteTo(lr)
		}
		key := fmt.Sprint(res.Attributes().AsRaw())
		if key != last {
			rl := ld.ResourceLogs().AppendEmpty()
			res.CopyTo(rl.Resource())
			recs = rl.ScopeLogs().AppendEmpty().LogRecords()
			last = key
		}
		lr.MoveTo(recs.AppendEmpty())
	}
}
