package unitwatch

import (
	"encoding/hex"
	"strings"

	"github.com/godbus/dbus/v5"
)

// Interfaces and the path under which systemd exports units.
const (
	ifaceUnit    = "org.freedesktop.systemd1.Unit"
	ifacePrefix  = "org.freedesktop.systemd1."
	unitPathRoot = "/org/freedesktop/systemd1/unit/"
)

// Props are the properties a unit.state payload carries, under their D-Bus
// names. Numbers are pointers where 0 is a real value (no restarts yet, a
// clean exit) that must not read as "not reported".
type Props struct {
	ActiveState string `json:"ActiveState,omitempty"`
	SubState    string `json:"SubState,omitempty"`
	// Result, NRestarts and ExecMain* come from the type interface
	// (Service, Socket, Mount …); only services have NRestarts and ExecMain*.
	Result         string  `json:"Result,omitempty"`
	NRestarts      *uint32 `json:"NRestarts,omitempty"`
	ExecMainCode   *int32  `json:"ExecMainCode,omitempty"`
	ExecMainStatus *int32  `json:"ExecMainStatus,omitempty"`
	ExecMainPID    *uint32 `json:"ExecMainPID,omitempty"`
	// InvocationID is D-Bus "ay" (16 bytes), written as hex as journald
	// writes _SYSTEMD_INVOCATION_ID, so the two join.
	InvocationID string `json:"InvocationID,omitempty"`
	// StateChangeTimestamp is when ActiveState last changed, in µs since
	// the epoch: the event's time.
	StateChangeTimestamp uint64 `json:"StateChangeTimestamp,omitempty"`
}

// apply copies the known properties out of a D-Bus property map; values of
// an unexpected type are ignored rather than guessed at.
func (p *Props) apply(props map[string]dbus.Variant) {
	for name, v := range props {
		p.set(name, v.Value())
	}
}

func (p *Props) set(name string, v any) {
	switch name {
	case "ActiveState":
		setTo(&p.ActiveState, v)
	case "SubState":
		setTo(&p.SubState, v)
	case "Result":
		setTo(&p.Result, v)
	case "StateChangeTimestamp":
		setTo(&p.StateChangeTimestamp, v)
	case "NRestarts":
		setPtr(&p.NRestarts, v)
	case "ExecMainCode":
		setPtr(&p.ExecMainCode, v)
	case "ExecMainStatus":
		setPtr(&p.ExecMainStatus, v)
	case "ExecMainPID":
		setPtr(&p.ExecMainPID, v)
	case "InvocationID":
		if b, ok := v.([]byte); ok {
			p.InvocationID = hex.EncodeToString(b)
		}
	}
}

func setTo[T any](dst *T, v any) {
	if t, ok := v.(T); ok {
		*dst = t
	}
}

func setPtr[T any](dst **T, v any) {
	if t, ok := v.(T); ok {
		*dst = &t
	}
}

// diff lists the properties that differ between two views of a unit,
// in a fixed order. StateChangeTimestamp and ExecMainPID are left out: they
// move with the properties that matter and are no change on their own.
func diff(old, cur *Props) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("ActiveState", old.ActiveState != cur.ActiveState)
	add("SubState", old.SubState != cur.SubState)
	add("Result", old.Result != cur.Result)
	add("NRestarts", !eqPtr(old.NRestarts, cur.NRestarts))
	add("ExecMainCode", !eqPtr(old.ExecMainCode, cur.ExecMainCode))
	add("ExecMainStatus", !eqPtr(old.ExecMainStatus, cur.ExecMainStatus))
	add("InvocationID", old.InvocationID != cur.InvocationID)
	return out
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// unitName reverses systemd's object path escaping: every byte outside
// [A-Za-z0-9] is written as _xx in hex (kubelet.service is
// kubelet_2eservice).
func unitName(path dbus.ObjectPath) (string, bool) {
	s, ok := strings.CutPrefix(string(path), unitPathRoot)
	if !ok || s == "" || strings.Contains(s, "/") {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+2 < len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}

// typeInterface names a unit's type interface: Service for a .service.
func typeInterface(unit string) string {
	i := strings.LastIndexByte(unit, '.')
	if i < 0 || i == len(unit)-1 {
		return ""
	}
	t := unit[i+1:]
	return strings.ToUpper(t[:1]) + t[1:]
}
