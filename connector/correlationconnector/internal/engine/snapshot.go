package engine

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// snapshotVersion changes when the layout does; a snapshot of another
// version is refused rather than half read.
const snapshotVersion = 1

// DataRule is implemented by rules whose state (Incident.Data) survives a
// restart: NewData makes the value a saved state decodes into.
type DataRule interface {
	NewData() any
}

// ErrSnapshot wraps every reason a saved state cannot be restored.
var ErrSnapshot = errors.New("unusable correlation snapshot")

type snapshot struct {
	Version   int            `json:"version"`
	Watermark time.Time      `json:"watermark"`
	Incidents []incidentSnap `json:"incidents"`
	Closed    []string       `json:"closed,omitempty"`
}

type incidentSnap struct {
	Rule     string          `json:"rule"`
	Key      Key             `json:"key"`
	ID       string          `json:"id"`
	TraceID  string          `json:"trace_id"`
	First    time.Time       `json:"first"`
	Last     time.Time       `json:"last"`
	Members  []memberSnap    `json:"members"`
	Count    int             `json:"count"`
	Roles    map[string]int  `json:"roles"`
	Impact   Impact          `json:"impact"`
	Open     bool            `json:"open"`
	Reported time.Time       `json:"reported"`
	Exported int             `json:"exported"`
	Data     json.RawMessage `json:"data,omitempty"`
}

type memberSnap struct {
	EventID string            `json:"event_id"`
	Name    unifiedevent.Name `json:"name"`
	Role    string            `json:"role"`
	Time    time.Time         `json:"time"`
	Message string            `json:"message,omitempty"`
}

// Snapshot saves the open incidents and candidates, oldest touched first,
// so a restarted collector continues them instead of splitting them.
// Call it after Drain: transitions not drained are not saved.
func (e *Engine) Snapshot() ([]byte, error) {
	return e.Capture().Encode()
}

// Capture is a Snapshot taken but not yet encoded: it shares nothing the
// engine changes, so Encode, the costly part, can run while the engine
// goes on.
type Capture struct {
	s   snapshot
	err error
}

// Capture copies the state Snapshot saves. Rule state is encoded here,
// since rules change it in place.
func (e *Engine) Capture() *Capture {
	c := &Capture{s: snapshot{Version: snapshotVersion, Watermark: e.watermark, Closed: slices.Clone(e.closed.ring)}}
	var all []*Incident
	e.queues.each(func(inc *Incident) { all = append(all, inc) })
	slices.SortFunc(all, func(a, b *Incident) int { return cmp.Compare(a.touched, b.touched) })
	c.s.Incidents = make([]incidentSnap, 0, len(all))
	for _, inc := range all {
		im := inc.Impact
		im.Pods, im.Workloads, im.Nodes, im.Services = slices.Clone(im.Pods), slices.Clone(im.Workloads), slices.Clone(im.Nodes), slices.Clone(im.Services)
		is := incidentSnap{
			Rule: inc.Rule.Name(), Key: inc.Key, ID: inc.ID, TraceID: inc.TraceID.String(),
			First: inc.First, Last: inc.Last, Count: inc.Count, Impact: im,
			Open: inc.open, Reported: inc.reported, Exported: inc.exported, Roles: make(map[string]int, len(inc.roles)),
		}
		for _, r := range inc.roles {
			is.Roles[r.role] = r.n
		}
		if len(inc.Members) > 0 {
			is.Members = make([]memberSnap, 0, len(inc.Members))
		}
		for _, m := range inc.Members {
			is.Members = append(is.Members, memberSnap{EventID: m.EventID, Name: m.Name, Role: m.Role, Time: m.Time, Message: m.Message})
		}
		if inc.Data != nil {
			b, err := json.Marshal(inc.Data)
			if err != nil {
				c.err = fmt.Errorf("incident %s of rule %s: %w", inc.ID, is.Rule, err)
				return c
			}
			is.Data = b
		}
		c.s.Incidents = append(c.s.Incidents, is)
	}
	return c
}

// Encode writes the captured state.
func (c *Capture) Encode() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	return json.Marshal(c.s)
}

// Restore loads a Snapshot into an engine that has seen no events.
// Incidents of rules no longer enabled are dropped; it returns how many.
func (e *Engine) Restore(b []byte) (dropped int, err error) {
	if e.groups.len() > 0 || !e.watermark.IsZero() {
		return 0, fmt.Errorf("restore into a used engine: %w", ErrSnapshot)
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if s.Version != snapshotVersion {
		return 0, fmt.Errorf("version %d, want %d: %w", s.Version, snapshotVersion, ErrSnapshot)
	}
	byName := map[string]int{}
	for i, r := range e.rules {
		byName[r.Name()] = i
	}
	e.watermark = s.Watermark
	for _, id := range s.Closed {
		e.closed.add(id)
	}
	for _, is := range s.Incidents {
		ri, ok := byName[is.Rule]
		if !ok || e.groups.len() >= e.opts.MaxIncidents {
			dropped++
			continue
		}
		inc, err := e.restoreIncident(ri, is)
		if err != nil {
			return dropped, err
		}
		e.queues.push(inc)
		inc.sum = e.sums.group(ri, inc.Key)
		if inc.open {
			e.openCount[ri]++
		}
		e.groups.set(inc.sum, inc)
	}
	return dropped, nil
}

func (e *Engine) restoreIncident(ri int, is incidentSnap) (*Incident, error) {
	r := e.rules[ri]
	tb, err := hex.DecodeString(is.TraceID)
	if err != nil || len(tb) != 16 || is.ID == "" {
		return nil, fmt.Errorf("incident %q: bad id or trace id: %w", is.ID, ErrSnapshot)
	}
	inc := &Incident{
		ID: is.ID, Rule: r, Key: is.Key, TraceID: pcommon.TraceID(tb), RootSpanID: spanID(is.ID, "root"),
		First: is.First, Last: is.Last, Count: is.Count, Impact: is.Impact,
		open: is.Open, reported: is.Reported, ruleIdx: ri,
	}
	for role, n := range is.Roles {
		inc.roles = append(inc.roles, roleCount{role: role, n: n})
	}
	for _, m := range is.Members[:min(len(is.Members), e.opts.MaxEventsPerIncident)] {
		inc.Members = append(inc.Members, Member{
			EventID: m.EventID, Name: m.Name, Role: m.Role, Time: m.Time, Message: m.Message,
			SpanID: spanID(is.ID, m.EventID),
		})
		inc.addHash(maphash.String(e.seed, m.EventID))
	}
	inc.exported = min(is.Exported, len(inc.Members))
	if dr, ok := r.(DataRule); ok && len(is.Data) > 0 {
		d := dr.NewData()
		if err := json.Unmarshal(is.Data, d); err != nil {
			return nil, fmt.Errorf("incident %s data: %w: %w", is.ID, ErrSnapshot, err)
		}
		inc.Data = d
	}
	inc.verdict = r.Assess(inc)
	return inc, nil
}
