package correlationconnector

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func pcommonTime(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

// digest is the connector's output in a form a reviewer can read in a
// golden file: times as offsets from scenarioBase, ids in full.
type digest struct {
	PassedThrough int              `yaml:"passed_through"`
	Incidents     []incidentDigest `yaml:"incidents"`
	Marks         []string         `yaml:"marks"`
	Spans         []string         `yaml:"spans"`
	Metrics       []string         `yaml:"metrics"`
}

type incidentDigest struct {
	ID         string   `yaml:"id"`
	Rule       string   `yaml:"rule"`
	State      string   `yaml:"state"`
	Summary    string   `yaml:"summary"`
	RootCause  string   `yaml:"root_cause"`
	Confidence float64  `yaml:"confidence"`
	First      string   `yaml:"first_seen"`
	Last       string   `yaml:"last_seen"`
	Count      int64    `yaml:"event_count"`
	Members    []string `yaml:"members"`
	Pods       []string `yaml:"pods,omitempty"`
	Workloads  []string `yaml:"workloads,omitempty"`
	Nodes      []string `yaml:"nodes,omitempty"`
	Services   []string `yaml:"services,omitempty"`
	TraceID    string   `yaml:"trace_id"`
	RecordID   string   `yaml:"record_id"`
}

func offset(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Sub(scenarioBase).String()
}

func tsOffset(ts pcommon.Timestamp) string { return offset(ts.AsTime().UTC()) }

func digestOf(t *testing.T, s *sinks) *digest {
	t.Helper()
	d := &digest{}
	for _, ld := range s.logs.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.EventName() != string(unifiedevent.NameIncident) {
						d.PassedThrough++
						if v, ok := lr.Attributes().Get(unifiedevent.AttrIncidentID); ok {
							role, _ := lr.Attributes().Get(unifiedevent.AttrIncidentRole)
							d.Marks = append(d.Marks, fmt.Sprintf("%s -> %s as %s, trace %s, span %s",
								eventID(lr), v.Str(), role.Str(), lr.TraceID(), lr.SpanID()))
						}
						continue
					}
					ev, err := unifiedevent.FromLogRecord(lr)
					require.NoError(t, err, "incident records read back as UnifiedEvents")
					in := ev.Incident
					require.NotNil(t, in)
					if in.Rule != "trace" {
						require.Equal(t, in.ID, lr.TraceID().String(), "the trace id is the incident id")
					}
					d.Incidents = append(d.Incidents, incidentDigest{
						ID: in.ID, Rule: in.Rule, State: in.State, Summary: ev.Message, RootCause: in.RootCause,
						Confidence: in.Confidence, First: offset(in.FirstSeen), Last: offset(in.LastSeen),
						Count: in.EventCount, Members: in.MemberIDs, Pods: in.Pods, Workloads: in.Workloads,
						Nodes: in.Nodes, Services: in.Services, TraceID: lr.TraceID().String(), RecordID: ev.ID,
					})
				}
			}
		}
	}
	for _, td := range s.traces.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					line := fmt.Sprintf("trace %s span %s parent %s %q %s..%s", sp.TraceID(), sp.SpanID(), sp.ParentSpanID(),
						sp.Name(), tsOffset(sp.StartTimestamp()), tsOffset(sp.EndTimestamp()))
					if v, ok := sp.Attributes().Get(unifiedevent.AttrEventID); ok {
						line += " event " + v.Str()
					}
					if v, ok := sp.Attributes().Get("tapio.incident.close_reason"); ok {
						line += " closed " + v.Str()
					}
					d.Spans = append(d.Spans, line)
				}
			}
		}
	}
	for _, md := range s.metrics.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					var dps pmetric.NumberDataPointSlice
					switch m.Type() {
					case pmetric.MetricTypeSum:
						dps = m.Sum().DataPoints()
					case pmetric.MetricTypeGauge:
						dps = m.Gauge().DataPoints()
					}
					for _, dp := range dps.All() {
						d.Metrics = append(d.Metrics, fmt.Sprintf("%s %v = %d at %s", m.Name(), dp.Attributes().AsRaw(), dp.IntValue(), tsOffset(dp.Timestamp())))
					}
				}
			}
		}
	}
	return d
}
