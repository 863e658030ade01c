package correlationconnector

import (
	"maps"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

type series struct{ rule, namespace, workload string }

// incidentMetrics counts the incidents opened in this batch by rule,
// namespace and workload (a delta sum: the connector keeps no per-series
// state, so cardinality costs nothing here), and, as a gauge, the open
// incidents of each rule that had a transition, so a rule's gauge goes
// back to zero when its last incident closes. Timestamps are event times,
// like everything else the connector emits.
func incidentMetrics(trs []engine.Transition, open map[string]int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	counts := map[series]int64{}
	touched := map[string]bool{}
	var start, end time.Time
	for _, tr := range trs {
		inc := tr.Incident
		touched[inc.Rule.Name()] = true
		if end.IsZero() || inc.Last.After(end) {
			end = inc.Last
		}
		if tr.State != unifiedevent.IncidentOpened {
			continue
		}
		if start.IsZero() || inc.First.Before(start) {
			start = inc.First
		}
		s := series{rule: inc.Rule.Name()}
		if k := subject(inc.Impact); k != nil {
			s.namespace, s.workload = k.Namespace, k.WorkloadName
		}
		counts[s]++
	}
	if len(trs) == 0 {
		return md
	}
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	if len(counts) > 0 {
		m := sm.Metrics().AppendEmpty()
		m.SetName("tapio.incidents")
		m.SetDescription("Incidents opened, by rule, namespace and workload.")
		m.SetUnit("{incidents}")
		sum := m.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		sum.SetIsMonotonic(true)
		keys := slices.SortedFunc(func(yield func(series) bool) {
			for k := range counts {
				if !yield(k) {
					return
				}
			}
		}, func(a, b series) int {
			return strings.Compare(a.rule+"\x00"+a.namespace+"\x00"+a.workload, b.rule+"\x00"+b.namespace+"\x00"+b.workload)
		})
		for _, k := range keys {
			dp := sum.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(end))
			dp.SetIntValue(counts[k])
			a := dp.Attributes()
			a.PutStr(unifiedevent.AttrIncidentRule, k.rule)
			if k.namespace != "" {
				a.PutStr(string(semconv.K8SNamespaceNameKey), k.namespace)
			}
			if k.workload != "" {
				a.PutStr("k8s.workload.name", k.workload)
			}
		}
	}
	g := sm.Metrics().AppendEmpty()
	g.SetName("tapio.incidents.open")
	g.SetDescription("Incidents open now, by rule.")
	g.SetUnit("{incidents}")
	gauge := g.SetEmptyGauge()
	for _, rule := range slices.Sorted(maps.Keys(touched)) {
		dp := gauge.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(end))
		dp.SetIntValue(int64(open[rule]))
		dp.Attributes().PutStr(unifiedevent.AttrIncidentRule, rule)
	}
	return md
}
