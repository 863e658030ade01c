package correlationconnector

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// incidentTraces draws each incident as one trace: a span per member at its
// own time, sent as members arrive, and the root span over the whole
// incident, sent when it closes, since a span cannot change once sent.
func incidentTraces(trs []engine.Transition) ptrace.Traces {
	td := ptrace.NewTraces()
	if len(trs) == 0 {
		return td
	}
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	ss.Scope().SetName(metadata.ScopeName)
	spans := ss.Spans()
	for _, tr := range trs {
		inc := tr.Incident
		for _, m := range tr.Spans {
			s := spans.AppendEmpty()
			s.SetTraceID(inc.TraceID)
			s.SetSpanID(m.SpanID)
			s.SetParentSpanID(inc.RootSpanID)
			s.SetName(string(m.Name))
			s.SetKind(ptrace.SpanKindInternal)
			ts := pcommon.NewTimestampFromTime(m.Time)
			s.SetStartTimestamp(ts)
			s.SetEndTimestamp(ts)
			a := s.Attributes()
			a.PutStr(unifiedevent.AttrEventID, m.EventID)
			a.PutStr(unifiedevent.AttrIncidentRole, m.Role)
			if m.Message != "" {
				a.PutStr("tapio.message", m.Message)
			}
		}
		if tr.State != unifiedevent.IncidentClosed {
			continue
		}
		v := inc.Verdict()
		s := spans.AppendEmpty()
		s.SetTraceID(inc.TraceID)
		s.SetSpanID(inc.RootSpanID)
		s.SetName("tapio.incident " + inc.Rule.Name())
		s.SetKind(ptrace.SpanKindInternal)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(inc.First))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(inc.Last))
		s.Status().SetCode(ptrace.StatusCodeError)
		s.Status().SetMessage(v.RootCause)
		a := s.Attributes()
		a.PutStr(unifiedevent.AttrIncidentID, inc.ID)
		a.PutStr(unifiedevent.AttrIncidentRule, inc.Rule.Name())
		a.PutStr("tapio.incident.summary", v.Summary)
		a.PutDouble("tapio.incident.confidence", v.Confidence)
		a.PutInt("tapio.incident.event_count", int64(inc.Count))
		if tr.Reason != "" {
			a.PutStr("tapio.incident.close_reason", tr.Reason)
		}
	}
	return td
}

func cut(s string) (string, string, bool) { return strings.Cut(s, "/") }
