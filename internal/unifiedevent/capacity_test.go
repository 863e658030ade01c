package unifiedevent

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The counts WriteTo sizes its maps by equal what it writes, for every
// fixture and for the full event with each field in turn left zero, so
// that every map is allocated once and at its final size.
func TestCapacityCountsMatchWrites(t *testing.T) {
	events := fixtureEvents()
	for i := 0; ; i++ {
		e, leaf := fullEvent(), i
		if !zeroLeaf(reflect.ValueOf(e).Elem(), &leaf) {
			break
		}
		events = append(events, e)
	}
	require.Greater(t, len(events), 100, "the full event has that many fields")
	for _, e := range events {
		requireCountsMatch(t, e)
	}
}

func requireCountsMatch(t *testing.T, e *Event) {
	t.Helper()
	lr := plog.NewLogRecord()
	e.WriteTo(lr)
	body := lr.Body().Map()
	require.Equal(t, body.Len(), e.bodyEntries(), "body of %+v", e)
	require.Equal(t, lr.Attributes().Len(), e.attrEntries(), "attributes of %+v", e)
	part := func(key string, want int) pcommon.Map {
		v, ok := body.Get(key)
		if !ok {
			require.Zero(t, want, key)
			return pcommon.NewMap()
		}
		require.Equal(t, v.Map().Len(), want, key)
		return v.Map()
	}
	if p := e.Process; p != nil {
		part("process", p.fields())
	}
	if c := e.Container; c != nil {
		part(PartContainer, c.bodyFields())
	}
	if k := e.K8s; k != nil {
		part(PartK8s, k.bodyFields())
	}
	if k := e.Peer; k != nil {
		part(PartPeer, k.bodyFields())
	}
	if n := e.Network; n != nil {
		m := part("network", n.bodyFields())
		if d := n.DNS; d != nil {
			if v, ok := m.Get("dns"); ok {
				require.Equal(t, v.Map().Len(), d.fields(), "dns")
			}
		}
	}
	if k := e.Kernel; k != nil {
		m := part("kernel", k.bodyFields())
		if o := k.OOM; o != nil {
			if v, ok := m.Get("oom"); ok {
				require.Equal(t, v.Map().Len(), o.fields(), "oom")
			}
		}
	}
	if s := e.Systemd; s != nil {
		part("systemd", s.bodyFields())
	}
	if c := e.CNI; c != nil {
		part("cni", c.bodyFields())
	}
	if l := e.Loss; l != nil {
		part("loss", l.fields())
	}
}

// zeroLeaf zeroes the *n-th leaf field reachable from v (a string, number,
// time, slice or optional number), counting *n down; it reports whether
// there was one.
func zeroLeaf(v reflect.Value, n *int) bool {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if zeroLeaf(v.Field(i), n) {
				return true
			}
		}
		return false
	case v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct:
		if v.IsNil() {
			return false
		}
		return zeroLeaf(v.Elem(), n)
	}
	if *n > 0 {
		*n--
		return false
	}
	v.Set(reflect.Zero(v.Type()))
	return true
}
