package unifiedevent

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// withoutRaw is what a Reader promises to agree with: FromRecord's event
// less the payload it never copies.
func withoutRaw(e *Event) *Event {
	if e == nil {
		return nil
	}
	c := *e
	c.Raw = nil
	return &c
}

// layouts write one event the ways a Reader meets it: as a decoder leaves
// it (subject in the body), as enrichment leaves it (the pod and container
// on the Resource, the body keeping only the reason), and with the pod
// from contrib's k8s_attributes beside a body that names another.
var layouts = map[string]func(e *Event, rl plog.ResourceLogs){
	"body": func(e *Event, rl plog.ResourceLogs) {
		rl.Resource().Attributes().PutStr("k8s.node.name", "node-a")
	},
	"resource": func(e *Event, rl plog.ResourceLogs) {
		a := rl.Resource().Attributes()
		if e.K8s != nil {
			e.K8s.WriteResource(a)
			e.K8s = &K8s{Reason: e.K8s.Reason}
			if e.K8s.Reason == "" {
				e.K8s = nil
			}
		}
		if e.Container != nil {
			e.Container.WriteResource(a)
			e.Container = nil
		}
	},
	"contrib": func(_ *Event, rl plog.ResourceLogs) {
		a := rl.Resource().Attributes()
		a.PutStr("k8s.pod.name", "report-290-abcde")
		a.PutStr("k8s.namespace.name", "batch")
		a.PutStr("k8s.cronjob.name", "report")
		a.PutStr("container.id", "c0ffee")
	},
}

// fixtureBatch writes every fixture in every layout, one ResourceLogs
// each, in an order that makes each record follow one with other parts.
func fixtureBatch() plog.Logs {
	ld := plog.NewLogs()
	evs := append(fixtureEvents(), fullEvent())
	for _, name := range []string{"body", "resource", "contrib"} {
		for i := range evs {
			e := append(fixtureEvents(), fullEvent())[(i*7)%len(evs)]
			rl := ld.ResourceLogs().AppendEmpty()
			layouts[name](e, rl)
			e.WriteTo(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		}
	}
	return ld
}

func TestReaderAgreesWithFromRecordOnEveryFixture(t *testing.T) {
	ld := fixtureBatch()
	var r Reader
	// Twice through, so each record is read after every other kind.
	for pass := range 2 {
		for i, rl := range ld.ResourceLogs().All() {
			r.Resource(rl.Resource())
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				want, err := FromRecord(rl.Resource(), lr)
				require.NoError(t, err)
				got, err := r.Read(lr)
				require.NoError(t, err)
				require.Equal(t, withoutRaw(want), got, "pass %d record %d (%s)", pass, i, want.Name)
			}
		}
	}
}

func TestReaderReadsTheResourceOncePerResourceLogs(t *testing.T) {
	rl := plog.NewLogs().ResourceLogs().AppendEmpty()
	(&K8s{PodName: "api-1", Namespace: "shop", WorkloadKind: "Deployment", WorkloadName: "api"}).WriteResource(rl.Resource().Attributes())
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	envelope(NameOOMKill, SourceEBPF, "oom.kill").WriteTo(lrs.AppendEmpty())
	envelope(NameProcessExit, SourceEBPF, "process.exit").WriteTo(lrs.AppendEmpty())

	var r Reader
	r.Resource(rl.Resource())
	first, err := r.Read(lrs.At(0))
	require.NoError(t, err)
	require.Equal(t, "api-1", first.K8s.PodName)
	// A change to the Resource after its first record is not seen: its
	// subject was read once, for all of its records.
	rl.Resource().Attributes().PutStr("k8s.pod.name", "changed")
	second, err := r.Read(lrs.At(1))
	require.NoError(t, err)
	assert.Equal(t, "api-1", second.K8s.PodName)
	r.Resource(rl.Resource())
	third, err := r.Read(lrs.At(1))
	require.NoError(t, err)
	assert.Equal(t, "changed", third.K8s.PodName)
}

// TestReaderKeepsEachListItsOwn reads records of one Resource whose bodies
// alternately name Services and leave them to the Resource: the Reader
// reuses one array for the bodies' lists, which must never be the
// Resource's.
func TestReaderKeepsEachListItsOwn(t *testing.T) {
	rl := plog.NewLogs().ResourceLogs().AppendEmpty()
	(&K8s{PodName: "api-1", Namespace: "shop", Services: []string{"x", "y", "z"}}).WriteResource(rl.Resource().Attributes())
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	bodies := [][]string{nil, {"a"}, nil, {"b", "c", "d", "e"}, nil, {"f"}}
	for i, svcs := range bodies {
		e := envelope(NameOOMKill, SourceEBPF, "oom.kill")
		e.ID = "ev-" + strconv.Itoa(i)
		if svcs != nil {
			e.K8s = &K8s{Services: svcs, Reason: "r"}
		}
		e.WriteTo(lrs.AppendEmpty())
	}
	var r Reader
	r.Resource(rl.Resource())
	for pass := range 2 {
		for i, lr := range lrs.All() {
			got, err := r.Read(lr)
			require.NoError(t, err)
			want := bodies[i]
			if want == nil {
				want = []string{"x", "y", "z"}
			}
			require.Equal(t, want, got.K8s.Services, "pass %d record %d", pass, i)
		}
	}
}

func TestReaderWithoutResourceReadsTheBody(t *testing.T) {
	lr := plog.NewLogRecord()
	e := partEvents()["k8s"]
	e.WriteTo(lr)
	var r Reader
	got, err := r.Read(lr)
	require.NoError(t, err)
	assert.Equal(t, e, got)
}

func TestReaderFailsAsFromRecord(t *testing.T) {
	cases := map[string]func(res pcommon.Resource, lr plog.LogRecord){
		"mistyped resource": func(res pcommon.Resource, _ plog.LogRecord) { res.Attributes().PutInt("k8s.pod.uid", 7) },
		"mistyped body":     func(_ pcommon.Resource, lr plog.LogRecord) { lr.Body().Map().PutEmptyMap("k8s").PutInt("pod_name", 1) },
		"no version":        func(_ pcommon.Resource, lr plog.LogRecord) { lr.Attributes().Remove(AttrSchemaVersion) },
		"no id":             func(_ pcommon.Resource, lr plog.LogRecord) { lr.Attributes().Remove(AttrEventID) },
		"both": func(res pcommon.Resource, lr plog.LogRecord) {
			res.Attributes().PutInt("k8s.pod.uid", 7)
			lr.Body().Map().PutEmptyMap("kernel").PutStr("signal", "9")
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			res, lr := resourceRecord(t, partEvents()["kernel"])
			spoil(res, lr)
			_, want := FromRecord(res, lr)
			require.Error(t, want)
			var r Reader
			r.Resource(res)
			got, err := r.Read(lr)
			require.Nil(t, got)
			require.EqualError(t, err, want.Error())
		})
	}
}

func FuzzReader(f *testing.F) {
	ld := fixtureBatch()
	for _, rl := range ld.ResourceLogs().All() {
		resProg, _ := encode(recordWith(rl.Resource().Attributes()))
		attrProg, bodyProg := encode(rl.ScopeLogs().At(0).LogRecords().At(0))
		f.Add(resProg, attrProg, bodyProg, uint64(1), "")
	}
	f.Add([]byte{0xff}, []byte{0xff}, []byte{0xff, 0xff}, uint64(0), "tapio.x")

	f.Fuzz(func(t *testing.T, resProg, attrProg, bodyProg []byte, ts uint64, name string) {
		lr := build(attrProg, bodyProg)
		// Most mutations break the envelope first; filling it lets the
		// fuzzer spend its time on the body and the Resource.
		lr.Attributes().PutStr(AttrSchemaVersion, SchemaVersion)
		if _, ok := lr.Attributes().Get(AttrEventID); !ok {
			lr.Attributes().PutStr(AttrEventID, "fuzz")
		}
		if name == "" {
			name = string(NameOOMKill)
		}
		lr.SetEventName(name)
		lr.SetTimestamp(pcommon.Timestamp(ts))
		res := pcommon.NewResource()
		build(resProg, nil).Attributes().CopyTo(res.Attributes())

		// The Reader has read a full record before, so a part the fuzzed
		// one lacks must not survive from it.
		var r Reader
		prev := plog.NewLogRecord()
		fullEvent().WriteTo(prev)
		_, err := r.Read(prev)
		require.NoError(t, err)

		want, wantErr := FromRecord(res, lr)
		r.Resource(res)
		got, err := r.Read(lr)
		if wantErr != nil && strings.HasPrefix(wantErr.Error(), "body.raw") {
			// The one field a Reader does not read.
			return
		}
		if wantErr != nil {
			require.Nil(t, got)
			require.EqualError(t, err, wantErr.Error())
			return
		}
		require.NoError(t, err)
		require.Equal(t, withoutRaw(want), got)
	})
}

// recordWith is a record whose attributes are m, to encode a Resource with
// the record encoder.
func recordWith(m pcommon.Map) plog.LogRecord {
	lr := plog.NewLogRecord()
	m.CopyTo(lr.Attributes())
	return lr
}

// BenchmarkReader reads an enriched OOM kill (pod on the Resource) with a
// Reader and, for comparison, with FromRecord.
func BenchmarkReader(b *testing.B) {
	e := envelope(NameOOMKill, SourceEBPF, "oom.kill")
	e.Process = &Process{PID: 4121, ExecutableName: "java"}
	e.Kernel = &Kernel{CgroupID: 8412, Signal: 9, OOM: &OOM{MemoryCgroup: "8412", RSSBytes: 1 << 28, MemoryLimitBytes: 1 << 28}}
	rl := plog.NewLogs().ResourceLogs().AppendEmpty()
	k8sPart().WriteResource(rl.Resource().Attributes())
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	e.WriteTo(lr)
	for _, perResource := range []int{1, 10} {
		b.Run(fmt.Sprintf("Reader/records-per-resource=%d", perResource), func(b *testing.B) {
			var r Reader
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%perResource == 0 {
					r.Resource(rl.Resource())
				}
				i++
				if _, err := r.Read(lr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("FromRecord", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := FromRecord(rl.Resource(), lr); err != nil {
				b.Fatal(err)
			}
		}
	})
}
