package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// TraceName groups failures that share a trace context: the records of
// one request gone wrong, whichever sources saw them. The incident takes
// the shared trace id, so its spans join the request's own trace.
const TraceName = "trace"

// WorkloadName groups failures of one workload within a window when no
// causal chain is known: the catch-all for "many different things went
// wrong here at once". Off by default, since it repeats what the causal
// rules already report for their workloads.
const WorkloadName = "workload"

const roleFailure = "failure"

// failureNames are the events a grouping rule counts: every name any
// source emits, since the grouping is about severity, not kind.
var failureNames = func() []unifiedevent.Name {
	var out []unifiedevent.Name
	for _, info := range unifiedevent.Catalogue() {
		if info.Name != unifiedevent.NameIncident && info.Name != unifiedevent.NameLoss {
			out = append(out, info.Name)
		}
	}
	return out
}()

type grouping struct {
	p     Params
	name  string
	trace bool
}

// NewTrace builds the trace grouping; Threshold is the failed events.
func NewTrace(p Params) engine.Rule { return &grouping{p: p, name: TraceName, trace: true} }

// NewWorkload builds the workload grouping; Threshold is the failed
// events, of at least two kinds.
func NewWorkload(p Params) engine.Rule { return &grouping{p: p, name: WorkloadName} }

type groupData struct{ Names, Sources []string }

func (r *grouping) Name() string             { return r.name }
func (r *grouping) Window() time.Duration    { return r.p.Window }
func (*grouping) Names() []unifiedevent.Name { return failureNames }
func failing(ev *unifiedevent.Event) bool    { return ev.Severity >= plog.SeverityNumberWarn }

// Wants is the envelope check Match makes first, so the connector decodes
// only the records this rule can use: without it a grouping rule, which
// reads every event name, made every record decoded.
func (r *grouping) Wants(severity plog.SeverityNumber, traced bool) bool {
	return severity >= plog.SeverityNumberWarn && (traced || !r.trace)
}

func (r *grouping) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	if !failing(in.Event) {
		return out
	}
	if r.trace {
		if in.TraceID.IsEmpty() {
			return out
		}
		return append(out, engine.Signal{Key: engine.Key{Name: in.TraceID.String()}, Role: roleFailure, Opens: true, TraceID: in.TraceID})
	}
	if k := workloadKey(in.Event.K8s); !k.IsZero() {
		return append(out, engine.Signal{Key: k, Role: roleFailure, Opens: true})
	}
	return out
}

func (*grouping) Observe(inc *engine.Incident, in engine.Input, _ engine.Signal) {
	d := state[groupData](inc)
	d.Names = addCapped(d.Names, strings.TrimPrefix(string(in.Event.Name), "tapio."))
	d.Sources = addCapped(d.Sources, in.Event.Source)
}

func (r *grouping) Assess(inc *engine.Incident) engine.Verdict {
	d := state[groupData](inc)
	n := inc.Roles(roleFailure)
	// One kind of failure repeated is a causal rule's business (or
	// noise); a group is about different things failing together.
	if n < r.p.Threshold || len(d.Names) < 2 {
		return engine.Verdict{}
	}
	names := slices.Sorted(slices.Values(d.Names))
	what := "trace " + inc.Key.Name
	if !r.trace {
		what = inc.Key.Short()
	}
	cause := "related failures: " + strings.Join(names, ", ")
	s := fmt.Sprintf("%s: %s of %d kinds%s (%s)", what, plural(n, "failure", "failures"), len(names), within(inc.First, inc.Last), strings.Join(names, ", "))
	c := 0.4
	if len(d.Sources) > 1 {
		c += 0.2
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*grouping) NewData() any { return new(groupData) }
