package unifiedevent

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// fields reads typed values from one map of an untrusted record. It keeps
// the first error and turns later reads into no-ops, so a part reader is a
// flat list of assignments with one check at the end.
type fields struct {
	m pcommon.Map
	// prefix names the map in errors: "body." or "attribute ". A nested
	// map's name is its parent's and its key, joined only when an error
	// is written: joining it for every part read cost an allocation each.
	prefix string
	parent *fields
	key    string
	err    *error
	// kids, when set, holds the readers of nested maps, so a Reader's
	// parts cost no allocation; shared by the whole tree of one record.
	kids *kidFields
	// set records whether any field held a non-zero value, so a part map
	// holding nothing known reads back as a nil part.
	set bool
}

func (f *fields) fail(key, format string, args ...any) {
	if *f.err == nil {
		*f.err = fmt.Errorf("%s%s: %s: %w", f.path(), key, fmt.Sprintf(format, args...), ErrMalformed)
	}
}

// path is the map's name in errors: "body.kernel.oom.".
func (f *fields) path() string {
	if f.parent == nil {
		return f.prefix
	}
	return f.parent.path() + f.key + "."
}

// kidFields are the nested-map readers of one record; more nesting than
// it holds falls back to allocating.
type kidFields struct {
	n int
	a [16]fields
}

func (f *fields) newChild(m pcommon.Map, key string) *fields {
	var c *fields
	if k := f.kids; k != nil && k.n < len(k.a) {
		c = &k.a[k.n]
		k.n++
	} else {
		c = new(fields)
	}
	*c = fields{m: m, parent: f, key: key, err: f.err, kids: f.kids}
	return c
}

// value returns the key's value if present and of the wanted type. A null
// (empty) value counts as absent, since JSON round trips produce them.
func (f *fields) value(key string, want pcommon.ValueType) (pcommon.Value, bool) {
	if *f.err != nil {
		return pcommon.Value{}, false
	}
	v, ok := f.m.Get(key)
	if !ok || v.Type() == pcommon.ValueTypeEmpty {
		return pcommon.Value{}, false
	}
	if v.Type() != want {
		f.fail(key, "got %s, want %s", v.Type(), want)
		return pcommon.Value{}, false
	}
	return v, true
}

func (f *fields) str(key string) string {
	v, ok := f.value(key, pcommon.ValueTypeStr)
	if !ok || v.Str() == "" {
		return ""
	}
	f.set = true
	return v.Str()
}

func (f *fields) int(key string) int64 {
	v, ok := f.value(key, pcommon.ValueTypeInt)
	if !ok || v.Int() == 0 {
		return 0
	}
	f.set = true
	return v.Int()
}

// nonNegative reads pids, ids, sizes and counts, which the kernel and
// Kubernetes never make negative; a negative one means a broken writer.
func (f *fields) nonNegative(key string) int64 {
	n := f.int(key)
	if n < 0 {
		f.fail(key, "%d is negative", n)
		return 0
	}
	return n
}

func (f *fields) uint16(key string) uint16 {
	n := f.int(key)
	if n < 0 || n > math.MaxUint16 {
		f.fail(key, "%d out of range 0..%d", n, math.MaxUint16)
		return 0
	}
	return uint16(n)
}

// optInt keeps "present and zero" apart from "absent" for fields where zero
// means something (exit code 0, uid 0, priority emerg).
func (f *fields) optInt(key string) *int64 {
	v, ok := f.value(key, pcommon.ValueTypeInt)
	if !ok {
		return nil
	}
	f.set = true
	n := v.Int()
	return &n
}

func (f *fields) strs(key string) []string { return f.strsInto(nil, key) }

// strsInto is strs reusing dst's array when it is large enough.
func (f *fields) strsInto(dst []string, key string) []string {
	v, ok := f.value(key, pcommon.ValueTypeSlice)
	if !ok || v.Slice().Len() == 0 {
		return nil
	}
	s := v.Slice()
	out := dst[:0]
	if cap(out) < s.Len() {
		out = make([]string, 0, s.Len())
	}
	for i := range s.Len() {
		e := s.At(i)
		if e.Type() != pcommon.ValueTypeStr {
			f.fail(key+"["+strconv.Itoa(i)+"]", "got %s, want %s", e.Type(), pcommon.ValueTypeStr)
			return nil
		}
		out = append(out, e.Str())
	}
	f.set = true
	return out
}

func (f *fields) time(key string) time.Time {
	v, ok := f.value(key, pcommon.ValueTypeStr)
	if !ok || v.Str() == "" {
		return time.Time{}
	}
	s := v.Str()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		f.fail(key, "%s is not an RFC 3339 time", clip(s))
		return time.Time{}
	}
	// UTC so that a value read, written and read again compares equal; an
	// offset can push the UTC year past what RFC 3339 can write back.
	t = t.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		f.fail(key, "%s is outside years 0..9999 in UTC", clip(s))
		return time.Time{}
	}
	// "0001-01-01T00:00:00Z" is the zero time, which WriteTo omits; it must
	// not make an otherwise empty part present.
	if !t.IsZero() {
		f.set = true
	}
	return t
}

func (f *fields) bytes(key string) []byte {
	v, ok := f.value(key, pcommon.ValueTypeBytes)
	if !ok || v.Bytes().Len() == 0 {
		return nil
	}
	f.set = true
	return v.Bytes().AsRaw()
}

// child returns a reader for a nested map, or nil when the key is absent.
func (f *fields) child(key string) *fields {
	v, ok := f.value(key, pcommon.ValueTypeMap)
	if !ok {
		return nil
	}
	return f.newChild(v.Map(), key)
}

// clip quotes an untrusted string for an error message, cut short so one bad
// record cannot flood the logs.
func clip(s string) string {
	const limit = 64
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}
