package unifiedevent

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The fuzz input is a small program that builds pdata values. Keys and
// string values come mostly from dictionaries taken from written fixtures, so
// mutations land on real schema paths (body.kernel.oom.rss_bytes) with
// wrong types, odd numbers and extra nesting, instead of random keys the
// reader ignores.
const (
	tagStr = iota
	tagInt
	tagSmallInt
	tagDouble
	tagBool
	tagBytes
	tagMap
	tagSlice
	tagEmpty
	numTags

	maxDepth = 5
	// A string byte at or above dictBase picks dictionary entry b-dictBase;
	// below it, it is the length of a literal. 96 leaves room for 160 keys
	// (the schema has about 145) while literals up to 95 bytes still cover
	// the longest fixture value.
	dictBase = 96
)

var dicts = sync.OnceValues(func() (keys, values []string) {
	keySet, valueSet := map[string]bool{}, map[string]bool{}
	var walk func(v pcommon.Value)
	walk = func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			valueSet[v.Str()] = true
		case pcommon.ValueTypeMap:
			for k, e := range v.Map().All() {
				keySet[k] = true
				walk(e)
			}
		case pcommon.ValueTypeSlice:
			for _, e := range v.Slice().All() {
				walk(e)
			}
		}
	}
	for _, e := range append(fixtureEvents(), fullEvent()) {
		lr := plog.NewLogRecord()
		e.WriteTo(lr)
		walk(lr.Body())
		attrs := pcommon.NewValueMap()
		lr.Attributes().CopyTo(attrs.Map())
		walk(attrs)
	}
	valueSet["0001-01-01T00:00:00Z"] = true
	valueSet["9999-12-31T23:59:59-01:00"] = true
	keys, values = sortedKeys(keySet), sortedKeys(valueSet)
	return keys[:min(len(keys), 256-dictBase)], values[:min(len(values), 256-dictBase)]
})

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func fixtureEvents() []*Event {
	parts := partEvents()
	out := []*Event{minimalEvent()}
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		out = append(out, parts[name])
	}
	return out
}

type program struct {
	data []byte
}

func (p *program) byte() byte {
	if len(p.data) == 0 {
		return 0
	}
	b := p.data[0]
	p.data = p.data[1:]
	return b
}

func (p *program) take(n int) []byte {
	n = min(n, len(p.data))
	b := p.data[:n]
	p.data = p.data[n:]
	return b
}

func (p *program) str(dict []string) string {
	b := int(p.byte())
	if b >= dictBase {
		if i := b - dictBase; i < len(dict) {
			return dict[i]
		}
		return ""
	}
	return string(p.take(b))
}

func (p *program) value(v pcommon.Value, depth int) {
	keys, values := dicts()
	switch p.byte() % numTags {
	case tagStr:
		v.SetStr(p.str(values))
	case tagInt:
		var b [8]byte
		copy(b[:], p.take(8))
		v.SetInt(int64(binary.BigEndian.Uint64(b[:])))
	case tagSmallInt:
		v.SetInt(int64(int8(p.byte())))
	case tagDouble:
		// All 64 bits, so NaN, infinities and fractions reach the reader.
		var b [8]byte
		copy(b[:], p.take(8))
		v.SetDouble(math.Float64frombits(binary.BigEndian.Uint64(b[:])))
	case tagBool:
		v.SetBool(p.byte()&1 == 1)
	case tagBytes:
		v.SetEmptyBytes().FromRaw(p.take(int(p.byte() % 32)))
	case tagMap:
		if depth < maxDepth {
			p.fillMap(v.SetEmptyMap(), keys, depth+1)
		}
	case tagSlice:
		if depth < maxDepth {
			s := v.SetEmptySlice()
			for n := p.byte(); n > 0 && len(p.data) > 0; n-- {
				p.value(s.AppendEmpty(), depth+1)
			}
		}
	case tagEmpty:
	}
}

func (p *program) fillMap(m pcommon.Map, keys []string, depth int) {
	for n := p.byte(); n > 0 && len(p.data) > 0; n-- {
		p.value(m.PutEmpty(p.str(keys)), depth)
	}
}

// encoder is the inverse of program, used to turn written fixtures into
// seeds so the fuzzer starts from records that parse.
type encoder struct{ out []byte }

func (e *encoder) str(s string, dict []string) {
	if i := slices.Index(dict, s); i >= 0 {
		e.out = append(e.out, byte(dictBase+i))
		return
	}
	s = s[:min(len(s), dictBase-1)]
	e.out = append(e.out, byte(len(s)))
	e.out = append(e.out, s...)
}

func (e *encoder) value(v pcommon.Value) {
	keys, values := dicts()
	switch v.Type() {
	case pcommon.ValueTypeStr:
		e.out = append(e.out, tagStr)
		e.str(v.Str(), values)
	case pcommon.ValueTypeInt:
		e.out = append(e.out, tagInt)
		e.out = binary.BigEndian.AppendUint64(e.out, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		e.out = append(e.out, tagDouble)
		e.out = binary.BigEndian.AppendUint64(e.out, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		e.out = append(e.out, tagBool, b)
	case pcommon.ValueTypeBytes:
		b := v.Bytes().AsRaw()[:min(v.Bytes().Len(), 31)]
		e.out = append(e.out, tagBytes, byte(len(b)))
		e.out = append(e.out, b...)
	case pcommon.ValueTypeMap:
		e.out = append(e.out, tagMap)
		e.fillMap(v.Map(), keys)
	case pcommon.ValueTypeSlice:
		e.out = append(e.out, tagSlice, byte(v.Slice().Len()))
		for _, x := range v.Slice().All() {
			e.value(x)
		}
	default:
		e.out = append(e.out, tagEmpty)
	}
}

func (e *encoder) fillMap(m pcommon.Map, keys []string) {
	e.out = append(e.out, byte(m.Len()))
	for k, v := range m.All() {
		e.str(k, keys)
		e.value(v)
	}
}

func encode(lr plog.LogRecord) (attrProg, bodyProg []byte) {
	keys, _ := dicts()
	var attrs, body encoder
	attrs.fillMap(lr.Attributes(), keys)
	body.value(lr.Body())
	return attrs.out, body.out
}

func build(attrProg, bodyProg []byte) plog.LogRecord {
	keys, _ := dicts()
	lr := plog.NewLogRecord()
	(&program{data: attrProg}).fillMap(lr.Attributes(), keys, 0)
	(&program{data: bodyProg}).value(lr.Body(), 0)
	return lr
}

// TestFuzzProgramRebuildsFixtures proves the seeds are worth having: each
// encoded fixture rebuilds into a record that parses to the same event.
func TestFuzzProgramRebuildsFixtures(t *testing.T) {
	keys, values := dicts()
	require.Less(t, len(keys), 256-dictBase, "key dictionary was cut short")
	require.NotEmpty(t, values)
	for _, e := range append(fixtureEvents(), fullEvent()) {
		lr := plog.NewLogRecord()
		e.WriteTo(lr)
		rebuilt := build(encode(lr))
		rebuilt.SetTimestamp(lr.Timestamp())
		rebuilt.SetObservedTimestamp(lr.ObservedTimestamp())
		rebuilt.SetSeverityNumber(lr.SeverityNumber())
		rebuilt.SetSeverityText(lr.SeverityText())
		rebuilt.SetEventName(lr.EventName())
		got, err := FromLogRecord(rebuilt)
		require.NoError(t, err, e.Name)
		e.SeverityText = ""
		got.SeverityText = ""
		require.Equal(t, e, got)
	}
}

func FuzzFromLogRecord(f *testing.F) {
	for _, e := range append(fixtureEvents(), fullEvent()) {
		lr := plog.NewLogRecord()
		e.WriteTo(lr)
		attrProg, bodyProg := encode(lr)
		f.Add(attrProg, bodyProg, uint64(lr.Timestamp()), uint64(lr.ObservedTimestamp()),
			int32(lr.SeverityNumber()), lr.EventName(), false)
		f.Add([]byte{}, bodyProg, uint64(0), uint64(0), int32(0), "", true)
	}
	f.Add([]byte{}, []byte{tagBytes, 3, 'r', 'a', 'w'}, uint64(1), uint64(2), int32(9), "", false)
	f.Add([]byte{0xff}, []byte{0xff, 0xff}, uint64(math.MaxUint64), uint64(0), int32(-1), "tapio.x", true)

	f.Fuzz(func(t *testing.T, attrProg, bodyProg []byte, ts, observed uint64, severity int32, name string, fillEnvelope bool) {
		lr := build(attrProg, bodyProg)
		if fillEnvelope {
			// Most mutations of the attribute program break the envelope
			// first; filling it in lets the fuzzer spend its time on the
			// body.
			lr.Attributes().PutStr(AttrSchemaVersion, SchemaVersion)
			if _, ok := lr.Attributes().Get(AttrEventID); !ok {
				lr.Attributes().PutStr(AttrEventID, "fuzz")
			}
			if name == "" {
				name = string(NameIncident)
			}
		}
		lr.SetTimestamp(pcommon.Timestamp(ts))
		lr.SetObservedTimestamp(pcommon.Timestamp(observed))
		lr.SetSeverityNumber(plog.SeverityNumber(severity))
		lr.SetEventName(name)

		e, err := FromLogRecord(lr)
		if err != nil {
			require.Nil(t, e)
			return
		}
		again := plog.NewLogRecord()
		e.WriteTo(again)
		e2, err := FromLogRecord(again)
		require.NoError(t, err, "an event that parsed must parse again after WriteTo")
		require.Equal(t, e, e2)
		require.NoError(t, e.Validate())
	})
}
