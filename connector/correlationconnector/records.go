package correlationconnector

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// resourceNode is the node a batch came from: systemd events only say it
// on the resource.
func resourceNode(rl plog.ResourceLogs) string {
	attrs := rl.Resource().Attributes()
	for _, k := range []string{string(semconv.K8SNodeNameKey), string(semconv.HostNameKey)} {
		if v, ok := attrs.Get(k); ok && v.Str() != "" {
			return v.Str()
		}
	}
	return ""
}

// recordName reads event.name without decoding the record, so records no
// rule wants cost one lookup.
func recordName(lr plog.LogRecord) unifiedevent.Name {
	if n := lr.EventName(); n != "" {
		return unifiedevent.Name(n)
	}
	if v, ok := lr.Attributes().Get(unifiedevent.AttrEventName); ok {
		return unifiedevent.Name(v.Str())
	}
	return ""
}

// recordAt is a record's place in its batch, the same in a copy of it.
type recordAt struct{ resource, scope, record int }

// pendingMark is how a member event is tied to its incident: the
// correlation attributes and the incident's trace, with the event's own
// span when it was kept. It is read from the live incident under the
// core's lock, while the batch is fed, and written once the batch is
// copied.
type pendingMark struct {
	at                   recordAt
	incident, rule, role string
	trace                pcommon.TraceID
	span                 pcommon.SpanID
}

func markOf(at recordAt, lr plog.LogRecord, ann engine.Annotation) pendingMark {
	inc := ann.Incident
	m := pendingMark{at: at, incident: inc.ID, rule: inc.Rule.Name(), role: ann.Role, trace: inc.TraceID}
	if ann.Kept {
		id := eventID(lr)
		for _, member := range inc.Members {
			if member.Role == ann.Role && member.EventID == id {
				m.span = member.SpanID
				break
			}
		}
	}
	return m
}

// markedCopy is the batch with its members marked. The connector does not
// mutate its input: the pipeline hands the same batch to its other
// exporters (the agent's gateway leg), and declaring a mutation made the
// collector copy every batch for the connector, though most batches have
// no member to mark.
func markedCopy(ld plog.Logs, marks []pendingMark) plog.Logs {
	out := plog.NewLogs()
	ld.CopyTo(out)
	for _, m := range marks {
		lr := out.ResourceLogs().At(m.at.resource).ScopeLogs().At(m.at.scope).LogRecords().At(m.at.record)
		attrs := lr.Attributes()
		// One growth for the three keys, not up to three.
		attrs.EnsureCapacity(attrs.Len() + 3)
		attrs.PutStr(unifiedevent.AttrIncidentID, m.incident)
		attrs.PutStr(unifiedevent.AttrIncidentRule, m.rule)
		attrs.PutStr(unifiedevent.AttrIncidentRole, m.role)
		lr.SetTraceID(m.trace)
		if !m.span.IsEmpty() {
			lr.SetSpanID(m.span)
		}
	}
	return out
}

func eventID(lr plog.LogRecord) string {
	v, _ := lr.Attributes().Get(unifiedevent.AttrEventID)
	return v.Str()
}

// appendIncidents adds one record per transition in a resource and scope
// of the connector's own.
func appendIncidents(ld plog.Logs, trs []engine.Transition) {
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.SetSchemaUrl(unifiedevent.SemconvSchemaURL)
	for _, tr := range trs {
		lr := sl.LogRecords().AppendEmpty()
		incidentEvent(tr).WriteTo(lr)
		lr.SetTraceID(tr.Incident.TraceID)
		lr.SetSpanID(tr.Incident.RootSpanID)
	}
}

func incidentEvent(tr engine.Transition) *unifiedevent.Event {
	inc := tr.Incident
	v := inc.Verdict()
	ids := make([]string, len(inc.Members))
	for i, m := range inc.Members {
		ids[i] = m.EventID
	}
	// One id per record: the incident, its state and how far it had got,
	// so a re-sent record deduplicates and two updates do not.
	seq := strconv.Itoa(inc.Count)
	ev := &unifiedevent.Event{
		ID:     unifiedevent.NewID(unifiedevent.SourceCorrelation, tr.State, inc.Last, []byte(inc.ID+"/"+seq)),
		Name:   unifiedevent.NameIncident,
		Source: unifiedevent.SourceCorrelation,
		Time:   inc.Last,
		// An incident is a failure someone should look at.
		Severity: plog.SeverityNumberWarn, SeverityText: "WARN",
		Message: v.Summary,
		K8s:     subject(inc.Impact),
		Incident: &unifiedevent.Incident{
			ID: inc.ID, Rule: inc.Rule.Name(), State: tr.State,
			RootCause: v.RootCause, Confidence: v.Confidence,
			FirstSeen: inc.First, LastSeen: inc.Last,
			EventCount: int64(inc.Count), MemberIDs: ids,
			Pods: inc.Impact.Pods, Workloads: inc.Impact.Workloads,
			Nodes: inc.Impact.Nodes, Services: inc.Impact.Services,
		},
	}
	return ev
}

// subject names what the incident is about when that is one object, so
// the k8s.* attributes group incidents with the events of that object.
func subject(im engine.Impact) *unifiedevent.K8s {
	k := &unifiedevent.K8s{}
	if len(im.Workloads) == 1 {
		if ns, rest, ok := cut(im.Workloads[0]); ok {
			if kind, name, ok := cut(rest); ok {
				k.Namespace, k.WorkloadKind, k.WorkloadName = ns, kind, name
			}
		}
	}
	if len(im.Pods) == 1 {
		if ns, name, ok := cut(im.Pods[0]); ok {
			k.Namespace, k.PodName = ns, name
		}
	}
	if len(im.Nodes) == 1 {
		k.NodeName = im.Nodes[0]
	}
	if k.Namespace == "" && k.NodeName == "" {
		return nil
	}
	return k
}
