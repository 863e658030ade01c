package systemddecoder

import (
	"strconv"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// entry holds the journal fields the event uses, as raw JSON values.
// journalctl writes a field as a string, as an array of byte values when
// it is not UTF-8 text, as an array when it occurs more than once, and as
// null when it is too large.
type entry struct {
	message, priority, cursor, realtime         *fastjson.Value
	systemdUnit, unit, objectUnit               *fastjson.Value
	invocation, systemdInvocation               *fastjson.Value
	pid, uid, comm, exe, cmdline, identifier    *fastjson.Value
	containerID, containerIDFull, containerName *fastjson.Value
}

func (e *entry) visit(key []byte, v *fastjson.Value) {
	switch string(key) {
	case "MESSAGE":
		e.message = v
	case "PRIORITY":
		e.priority = v
	case "__CURSOR":
		e.cursor = v
	case "__REALTIME_TIMESTAMP":
		e.realtime = v
	case "_SYSTEMD_UNIT":
		e.systemdUnit = v
	case "UNIT":
		e.unit = v
	case "OBJECT_SYSTEMD_UNIT":
		e.objectUnit = v
	case "INVOCATION_ID":
		e.invocation = v
	case "_SYSTEMD_INVOCATION_ID":
		e.systemdInvocation = v
	case "_PID":
		e.pid = v
	case "_UID":
		e.uid = v
	case "_COMM":
		e.comm = v
	case "_EXE":
		e.exe = v
	case "_CMDLINE":
		e.cmdline = v
	case "SYSLOG_IDENTIFIER":
		e.identifier = v
	case "CONTAINER_ID":
		e.containerID = v
	case "CONTAINER_ID_FULL":
		e.containerIDFull = v
	case "CONTAINER_NAME":
		e.containerName = v
	}
}

// priorities map journal PRIORITY (syslog levels) to OTel severities as
// contrib's syslog parsing does: emerg FATAL2, alert FATAL, crit ERROR2,
// err ERROR, warning WARN, notice INFO2, info INFO, debug DEBUG.
var priorities = [8]decode.Severity{
	{Number: plog.SeverityNumberFatal2, Text: "FATAL"}, decode.SeverityFatal,
	{Number: plog.SeverityNumberError2, Text: "ERROR"}, decode.SeverityError,
	decode.SeverityWarn, {Number: plog.SeverityNumberInfo2, Text: "INFO"}, decode.SeverityInfo, decode.SeverityDebug,
}

// decodeJournalEntry maps one journalctl JSON line. Fields that are absent
// or of a shape no journal writes are left empty rather than failing the
// entry: the message is what matters.
func decodeJournalEntry(v *fastjson.Value, s *decode.Scratch) (*unifiedevent.Event, error) {
	var e entry
	o, _ := v.Object()
	o.Visit(e.visit)

	x := lendParts(s)
	sd := &x.sd
	sd.Identifier, sd.Cursor = field(e.identifier), field(e.cursor)
	ev := &x.ev
	ev.Name, ev.Systemd = unifiedevent.NameJournalEntry, sd

	// systemd logs about a unit with UNIT= and INVOCATION_ID= of that
	// unit; a unit's own lines carry _SYSTEMD_UNIT and its invocation.
	// UNIT= is trusted from root only, as journalctl --unit does.
	uid, uidOK := intField(e.uid)
	root := uidOK && uid == 0
	switch {
	case root && field(e.unit) != "":
		sd.Unit, sd.InvocationID = field(e.unit), field(e.invocation)
	case root && field(e.objectUnit) != "":
		sd.Unit = field(e.objectUnit)
	default:
		sd.Unit, sd.InvocationID = field(e.systemdUnit), field(e.systemdInvocation)
	}

	sev := decode.SeverityInfo
	if p, ok := intField(e.priority); ok && p >= 0 && p <= 7 {
		x.priority = p
		sd.Priority = &x.priority
		sev = priorities[p]
	}
	sev.Set(ev)
	if us, ok := intField(e.realtime); ok && us > 0 {
		ev.Time = time.UnixMicro(us).UTC()
	}

	proc := &x.proc
	proc.ExecutableName, proc.ExecutablePath, proc.CommandLine = field(e.comm), field(e.exe), field(e.cmdline)
	if pid, ok := intField(e.pid); ok && pid > 0 {
		proc.PID = pid
	}
	if uidOK && uid >= 0 {
		x.uid = uid
		proc.UserID = &x.uid
	}
	if *proc != (unifiedevent.Process{}) {
		ev.Process = proc
	}
	// Docker's and Podman's journald log drivers name the container.
	if id, name := firstOf(field(e.containerIDFull), field(e.containerID)), field(e.containerName); id != "" || name != "" {
		x.container = unifiedevent.Container{ID: id, Name: name}
		ev.Container = &x.container
	}

	ev.Message = message(sd, proc, field(e.message))
	return ev, nil
}

var scratchSlot = decode.NewSlot()

// journalParts holds a journal event and its parts in one allocation or,
// when the processor lends a decode.Scratch, in none: reused entry after
// entry.
type journalParts struct {
	ev            unifiedevent.Event
	sd            unifiedevent.Systemd
	proc          unifiedevent.Process
	container     unifiedevent.Container
	uid, priority int64
}

func lendParts(s *decode.Scratch) *journalParts {
	if s == nil {
		return new(journalParts)
	}
	p := s.Use(scratchSlot, func() any { return new(journalParts) }).(*journalParts)
	*p = journalParts{}
	return p
}

// message is the line as journalctl shows it, without time and host:
// "kubelet[1234]: E1129 …".
func message(sd *unifiedevent.Systemd, proc *unifiedevent.Process, msg string) string {
	who := firstOf(sd.Identifier, proc.ExecutableName, sd.Unit, "journal")
	m := make([]byte, 0, len(who)+len(msg)+16)
	m = append(m, who...)
	if proc.PID > 0 {
		m = append(m, '[')
		m = strconv.AppendInt(m, proc.PID, 10)
		m = append(m, ']')
	}
	m = append(m, ": "...)
	m = append(m, msg...)
	return string(m)
}

// field reads a journal value as text: a string as is, a byte array as
// the bytes it holds (made valid UTF-8), a repeated field by its first
// value.
func field(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return text(b)
	case fastjson.TypeArray:
		items, _ := v.Array()
		if len(items) == 0 {
			return ""
		}
		if items[0].Type() != fastjson.TypeNumber {
			return field(items[0])
		}
		b := make([]byte, 0, len(items))
		for _, it := range items {
			n, err := it.Int()
			if err != nil || n < 0 || n > 255 {
				return ""
			}
			b = append(b, byte(n))
		}
		return text(b)
	}
	return ""
}

// intField reads a decimal journal value (_PID, PRIORITY, timestamps).
func intField(v *fastjson.Value) (int64, bool) {
	s := field(v)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
