package unifiedeventexporter

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// appendLine appends one event as a JSON object and a newline. The envelope
// comes from the Event FromRecord validated; the parts are the record's
// body map, written key for key (the subject's k8s and container parts
// merged with the Resource's, see appendMergedBody), so a part added to the schema (an additive,
// same-version change) reaches consumers without a change here. The README
// documents every key.
//
// The encoder is hand-written rather than encoding/json over a struct: it
// walks pdata values straight into the caller's buffer, with no
// intermediate map or reflection, and allocates nothing once the buffer has
// grown (BenchmarkAppendLine).
func appendLine(b []byte, ev *unifiedevent.Event, lr plog.LogRecord, res pcommon.Resource) []byte {
	b = append(b, `{"schema_version":`...)
	b = appendString(b, unifiedevent.SchemaVersion)
	b = appendField(b, "id", ev.ID)
	b = appendField(b, "name", string(ev.Name))
	b = appendTime(b, "time", ev.Time)
	b = appendTime(b, "observed_time", ev.ObservedTime)
	if ev.Severity != 0 {
		b = append(b, `,"severity_number":`...)
		b = strconv.AppendInt(b, int64(ev.Severity), 10)
	}
	b = appendField(b, "severity_text", ev.SeverityText)
	b = appendField(b, "source", ev.Source)
	b = appendField(b, "raw_kind", ev.RawKind)
	b = appendField(b, "raw_version", ev.RawVersion)
	if tid := lr.TraceID(); !tid.IsEmpty() {
		b = append(b, `,"trace_id":"`...)
		b = hex.AppendEncode(b, tid[:])
		b = append(b, '"')
	}
	if sid := lr.SpanID(); !sid.IsEmpty() {
		b = append(b, `,"span_id":"`...)
		b = hex.AppendEncode(b, sid[:])
		b = append(b, '"')
	}
	if ra := res.Attributes(); ra.Len() > 0 {
		b = append(b, `,"resource":`...)
		b = appendMap(b, ra, nil)
	}
	if hasExtraAttribute(lr.Attributes()) {
		b = append(b, `,"attributes":`...)
		b = appendMap(b, lr.Attributes(), isExtraAttribute)
	}
	if body := lr.Body(); body.Type() == pcommon.ValueTypeMap {
		b = append(b, `,"body":`...)
		k8s, container := subjectOnResource(res.Attributes())
		if k8s || container {
			b = appendMergedBody(b, body.Map(), ev, k8s, container)
		} else {
			b = appendMap(b, body.Map(), nil)
		}
	}
	return append(b, '}', '\n')
}

// envelopeAttributes are already top-level keys of the line.
var envelopeAttributes = map[string]bool{
	unifiedevent.AttrSchemaVersion: true,
	unifiedevent.AttrEventID:       true,
	unifiedevent.AttrSource:        true,
	unifiedevent.AttrRawKind:       true,
	unifiedevent.AttrRawVersion:    true,
}

// isExtraAttribute picks the tapio.* attributes the body does not hold:
// those processors after the decoder add (incident membership, …). The
// semantic-convention attributes only repeat the body and are left out.
func isExtraAttribute(k string) bool {
	return strings.HasPrefix(k, "tapio.") && !envelopeAttributes[k]
}

func hasExtraAttribute(m pcommon.Map) bool {
	for k := range m.All() {
		if isExtraAttribute(k) {
			return true
		}
	}
	return false
}

// appendField writes a string field, omitting it when empty as the schema
// does for every unknown value.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendTime(b []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendMap writes m as an object, only the keys keep accepts when it is
// set.
func appendMap(b []byte, m pcommon.Map, keep func(string) bool) []byte {
	b, _ = appendMembers(append(b, '{'), m, keep)
	return append(b, '}')
}

// appendMembers writes m's entries that keep accepts (all when it is nil)
// as comma-separated "key":value members of an object already opened, and
// reports whether it wrote any, so a caller can add members of its own.
func appendMembers(b []byte, m pcommon.Map, keep func(string) bool) ([]byte, bool) {
	wrote := false
	for k, v := range m.All() {
		if keep != nil && !keep(k) {
			continue
		}
		if wrote {
			b = append(b, ',')
		}
		wrote = true
		b = appendString(b, k)
		b = append(b, ':')
		b = appendValue(b, v)
	}
	return b, wrote
}

func appendValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(b, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(b, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		f := v.Double()
		// JSON has no NaN or infinity; null says "no usable number"
		// rather than failing the whole line.
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(b, v.Bool())
	case pcommon.ValueTypeBytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes().AsRaw())
		return append(b, '"')
	case pcommon.ValueTypeMap:
		return appendMap(b, v.Map(), nil)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		b = append(b, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, s.At(i))
		}
		return append(b, ']')
	default:
		return append(b, "null"...)
	}
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD so
// every line stays valid JSON whatever bytes a process name held.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
