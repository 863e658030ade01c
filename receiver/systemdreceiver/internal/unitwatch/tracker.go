package unitwatch

import (
	"maps"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
)

// Triggers say what produced a payload.
const (
	// TriggerSignal: a PropertiesChanged signal from systemd.
	TriggerSignal = "signal"
	// TriggerSnapshot: a read of the unit's properties on start or after
	// the bus came back; Changed then lists what moved while unobserved.
	TriggerSnapshot = "snapshot"
)

// Payload is the body of a unit.state raw record (layout version 1).
type Payload struct {
	Unit    string `json:"unit"`
	Trigger string `json:"trigger"`
	// OldActiveState is the ActiveState last seen for the unit: the
	// "from" of the transition. Absent when the unit was not seen before.
	OldActiveState string `json:"old_active_state,omitempty"`
	// Changed names the properties that differ from the last view.
	Changed    []string `json:"changed,omitempty"`
	Properties Props    `json:"properties"`
}

// Time is when the unit entered its current state, or the zero time when
// systemd did not say.
func (p *Payload) Time() time.Time {
	if p.Properties.StateChangeTimestamp == 0 {
		return time.Time{}
	}
	return time.UnixMicro(int64(p.Properties.StateChangeTimestamp))
}

// unit is what the tracker remembers of one unit.
type unit struct {
	// last is the view of the last complete change, next collects a type
	// signal until the Unit signal that completes it.
	last, next Props
	seen       bool
}

// Tracker turns signals and snapshots into payloads. It remembers every
// unit that is not at rest, so a payload can say where a unit came from;
// an unwatched unit is forgotten once it is inactive, which bounds memory
// by the units that are running or failed. Not safe for concurrent use.
type Tracker struct {
	watch         unitmatch.Set
	includeFailed bool
	units         map[string]*unit
}

// NewTracker reports the watched units, and with includeFailed every unit
// that enters the failed state.
func NewTracker(watch unitmatch.Set, includeFailed bool) *Tracker {
	return &Tracker{watch: watch, includeFailed: includeFailed, units: make(map[string]*unit)}
}

// Signal folds one PropertiesChanged into the unit's view. It returns a
// payload when the signal completes a change that is to be reported.
func (t *Tracker) Signal(sig *dbus.Signal) (Payload, bool) {
	name, ok := unitName(sig.Path)
	if !ok || len(sig.Body) < 2 {
		return Payload{}, false
	}
	iface, _ := sig.Body[0].(string)
	changed, _ := sig.Body[1].(map[string]dbus.Variant)
	if changed == nil || len(iface) <= len(ifacePrefix) || iface[:len(ifacePrefix)] != ifacePrefix {
		return Payload{}, false
	}
	u := t.units[name]
	if u == nil {
		u = &unit{}
		t.units[name] = u
	}
	u.next.apply(changed)
	if iface != ifaceUnit {
		return Payload{}, false
	}
	return t.complete(name, u)
}

func (t *Tracker) complete(name string, u *unit) (Payload, bool) {
	watched := t.watch.Match(name)
	changes := diff(&u.last, &u.next)
	p := Payload{Unit: name, Trigger: TriggerSignal, Changed: changes, Properties: u.next}
	if u.seen {
		p.OldActiveState = u.last.ActiveState
	}
	enteredFailed := u.next.ActiveState == "failed" && (!u.seen || u.last.ActiveState != "failed")
	report := len(changes) > 0 && (watched || (t.includeFailed && enteredFailed))
	// A unit first seen inactive has only just been loaded (a transient
	// unit before its start): nothing happened to it yet.
	if !u.seen && u.next.ActiveState == "inactive" {
		report = false
	}
	u.last, u.seen = u.next, true
	if !watched && (u.next.ActiveState == "inactive" || u.next.ActiveState == "") {
		delete(t.units, name)
	}
	return p, report
}

// Snapshot takes the units' properties as read, and returns one payload
// per unit, and how many units are new or had changed since last seen: on
// a reconnect, the changes that happened while the bus was gone.
func (t *Tracker) Snapshot(units map[string]Props) ([]Payload, int) {
	out := make([]Payload, 0, len(units))
	missed := 0
	for _, name := range slices.Sorted(maps.Keys(units)) {
		props := units[name]
		u := t.units[name]
		if u == nil {
			u = &unit{}
			t.units[name] = u
		}
		p := Payload{Unit: name, Trigger: TriggerSnapshot, Properties: props}
		switch {
		case !u.seen:
			missed++ // new to us: appeared, or the first look at it
		default:
			p.OldActiveState = u.last.ActiveState
			p.Changed = diff(&u.last, &props)
			if len(p.Changed) > 0 {
				missed++
			}
		}
		u.last, u.next, u.seen = props, props, true
		out = append(out, p)
	}
	return out, missed
}
