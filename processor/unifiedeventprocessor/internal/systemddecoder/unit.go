package systemddecoder

import (
	"fmt"
	"math"
	"strconv"

	"github.com/valyala/fastjson"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// unitState is a unit.state payload: see the receiver's README for the
// layout. Properties keep their D-Bus names. trigger is only checked: a
// snapshot reads like any other state.
type unitState struct {
	unit, trigger, oldActive          string
	active, sub, result, invocationID string
	restarts, code, status, mainPID   int64
	// hasCode: the main process has ended (ExecMainCode is not 0), so
	// status means something; restartsChanged: NRestarts is in changed.
	hasCode, restartsChanged bool
}

// decodeUnitState maps a unit's state change. Severity: ERROR when the unit
// is failed, WARN when it is restarting (auto-restart, or its restart count
// went up), INFO otherwise.
func decodeUnitState(v *fastjson.Value, _ *decode.Scratch) (*unifiedevent.Event, error) {
	var s unitState
	var err error
	get := func(key string, dst *string) {
		if err == nil {
			*dst, err = str(v.Get(key), key)
		}
	}
	get("unit", &s.unit)
	get("trigger", &s.trigger)
	get("old_active_state", &s.oldActive)
	if err != nil {
		return nil, err
	}
	if s.unit == "" {
		return nil, fmt.Errorf("%w: unit is missing", ErrMalformed)
	}
	if changed := v.Get("changed"); changed != nil {
		items, aerr := changed.Array()
		if aerr != nil {
			return nil, fmt.Errorf("%w: changed: %w", ErrMalformed, aerr)
		}
		for _, it := range items {
			if b, _ := it.StringBytes(); string(b) == "NRestarts" {
				s.restartsChanged = true
			}
		}
	}
	props := v.Get("properties")
	if props == nil || props.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: properties is missing or not an object", ErrMalformed)
	}
	if err := s.readProperties(props); err != nil {
		return nil, err
	}
	if s.active == "" {
		return nil, fmt.Errorf("%w: properties.ActiveState is missing", ErrMalformed)
	}
	return s.event(), nil
}

func (s *unitState) readProperties(props *fastjson.Value) error {
	o, _ := props.Object()
	var err error
	o.Visit(func(key []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		switch string(key) {
		case "ActiveState":
			s.active, err = str(v, "ActiveState")
		case "SubState":
			s.sub, err = str(v, "SubState")
		case "Result":
			s.result, err = str(v, "Result")
		case "InvocationID":
			s.invocationID, err = str(v, "InvocationID")
		case "NRestarts":
			s.restarts, err = num(v, "NRestarts", 0, math.MaxUint32)
		case "ExecMainCode":
			s.code, err = num(v, "ExecMainCode", 0, math.MaxInt32)
			s.hasCode = err == nil && s.code != 0
		case "ExecMainStatus":
			// An exit status or a signal number: never negative.
			s.status, err = num(v, "ExecMainStatus", 0, math.MaxInt32)
		case "ExecMainPID":
			s.mainPID, err = num(v, "ExecMainPID", 0, math.MaxUint32)
		}
	})
	return err
}

func (s *unitState) event() *unifiedevent.Event {
	sd := &unifiedevent.Systemd{
		Unit:           s.unit,
		OldActiveState: s.oldActive,
		ActiveState:    s.active,
		SubState:       s.sub,
		Result:         s.result,
		Restarts:       s.restarts,
		InvocationID:   s.invocationID,
	}
	ev := &unifiedevent.Event{Name: unifiedevent.NameUnitState, Systemd: sd}
	if s.hasCode {
		sd.ExitCode = codeText(s.code)
		sd.ExitStatus = s.status
	}
	if s.mainPID > 0 {
		ev.Process = &unifiedevent.Process{PID: s.mainPID}
		if s.hasCode && s.code == cldExited {
			status := s.status
			ev.Process.ExitCode = &status
		}
	}
	m := make([]byte, 0, 128)
	m = append(m, s.unit...)
	switch {
	case s.active == "failed":
		decode.SeverityError.Set(ev)
		m = append(m, " failed ("...)
		m = s.appendOutcome(m)
		m = append(m, ')')
		if s.restarts > 0 {
			m = append(m, " after "...)
			m = strconv.AppendInt(m, s.restarts, 10)
			m = append(m, plural(s.restarts, " restart", " restarts")...)
		}
	case s.restartsChanged && s.restarts > 0:
		decode.SeverityWarn.Set(ev)
		m = append(m, " restarted, restart "...)
		m = strconv.AppendInt(m, s.restarts, 10)
		m = s.appendState(append(m, ": "...))
	case s.sub == "auto-restart":
		decode.SeverityWarn.Set(ev)
		m = append(m, " stopped ("...)
		m = s.appendOutcome(m)
		m = append(m, "), restarting"...)
	case s.oldActive != "" && s.oldActive != s.active:
		decode.SeverityInfo.Set(ev)
		m = append(m, ' ')
		m = append(m, s.oldActive...)
		m = s.appendState(append(m, " -> "...))
	default:
		decode.SeverityInfo.Set(ev)
		m = s.appendState(append(m, " is "...))
	}
	ev.Message = text(m)
	return ev
}

// appendOutcome writes "exit-code, status 3" or "signal, SIGKILL".
func (s *unitState) appendOutcome(m []byte) []byte {
	m = append(m, s.result...)
	if s.result == "" {
		m = append(m, "no result"...)
	}
	if !s.hasCode {
		return m
	}
	if s.code == cldExited {
		m = append(m, ", status "...)
		return strconv.AppendInt(m, s.status, 10)
	}
	m = append(m, ", "...)
	m = append(m, signalName(s.status)...)
	if s.code == cldDumped {
		m = append(m, ", core dumped"...)
	}
	return m
}

// appendState writes "active (running)".
func (s *unitState) appendState(m []byte) []byte {
	m = append(m, s.active...)
	if s.sub != "" {
		m = append(m, " ("...)
		m = append(m, s.sub...)
		m = append(m, ')')
	}
	return m
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
