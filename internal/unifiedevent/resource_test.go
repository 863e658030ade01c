package unifiedevent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// resourceRecord writes e to a record under a fresh Resource.
func resourceRecord(t *testing.T, e *Event) (pcommon.Resource, plog.LogRecord) {
	t.Helper()
	rl := plog.NewLogs().ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("k8s.node.name", "node-a")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	e.WriteTo(lr)
	return rl.Resource(), lr
}

func TestFromRecordReadsTheSubjectFromTheResource(t *testing.T) {
	e := &Event{Name: NameOOMKill, ID: "ev-1", Source: "ebpf", RawKind: "oom.kill"}
	res, lr := resourceRecord(t, e)
	k := K8s{PodUID: "uid-1", PodName: "api-7d9f-x", Namespace: "shop", NodeName: "node-a",
		ContainerName: "main", WorkloadKind: "Rollout", WorkloadName: "api", Services: []string{"api", "api-canary"}}
	k.WriteResource(res.Attributes())
	c := Container{ID: "c0ffee", Runtime: "containerd"}
	c.WriteResource(res.Attributes())

	got, err := FromRecord(res, lr)
	require.NoError(t, err)
	require.NotNil(t, got.K8s)
	assert.Equal(t, k, *got.K8s, "a kind without a convention reads back from Tapio's own keys")
	require.NotNil(t, got.Container)
	assert.Equal(t, c, *got.Container)
}

func TestFromRecordKeepsWhatTheBodySaid(t *testing.T) {
	e := &Event{Name: NameK8sEvent, ID: "ev-2", Source: "k8s", RawKind: "k8s.watch",
		K8s: &K8s{PodName: "api-7d9f-x", Namespace: "shop", Reason: "BackOff"}}
	res, lr := resourceRecord(t, e)
	(&K8s{PodUID: "uid-1", PodName: "other", Namespace: "other-ns", WorkloadKind: "Deployment", WorkloadName: "api"}).
		WriteResource(res.Attributes())

	got, err := FromRecord(res, lr)
	require.NoError(t, err)
	assert.Equal(t, K8s{PodUID: "uid-1", PodName: "api-7d9f-x", Namespace: "shop", NodeName: "node-a",
		WorkloadKind: "Deployment", WorkloadName: "api", Reason: "BackOff"}, *got.K8s)
}

func TestFromRecordReadsContribK8sAttributes(t *testing.T) {
	res, lr := resourceRecord(t, &Event{Name: NameProcessExit, ID: "ev-3", Source: "ebpf", RawKind: "process.exit"})
	a := res.Attributes()
	// What k8s_attributes writes for a CronJob's pod: its Job and CronJob.
	a.PutStr("k8s.pod.name", "report-290-abcde")
	a.PutStr("k8s.namespace.name", "batch")
	a.PutStr("k8s.job.name", "report-290")
	a.PutStr("k8s.cronjob.name", "report")

	got, err := FromRecord(res, lr)
	require.NoError(t, err)
	assert.Equal(t, K8s{PodName: "report-290-abcde", Namespace: "batch", NodeName: "node-a",
		WorkloadKind: "CronJob", WorkloadName: "report"}, *got.K8s)
}

func TestFromRecordLeavesHostEventsWithoutPod(t *testing.T) {
	res, lr := resourceRecord(t, &Event{Name: NameOOMKill, ID: "ev-4", Source: "ebpf", RawKind: "oom.kill"})
	got, err := FromRecord(res, lr)
	require.NoError(t, err)
	assert.Nil(t, got.K8s, "a node name alone is no subject")
	assert.Nil(t, got.Container)
}

func TestFromRecordRejectsMistypedResource(t *testing.T) {
	res, lr := resourceRecord(t, &Event{Name: NameOOMKill, ID: "ev-5", Source: "ebpf", RawKind: "oom.kill"})
	res.Attributes().PutInt("k8s.pod.uid", 7)
	_, err := FromRecord(res, lr)
	require.ErrorIs(t, err, ErrMalformed)
	assert.Contains(t, err.Error(), "k8s.pod.uid")
}

// BodyStrings must name the keys writeBody writes, or the exporter's JSON
// would drift from the body it stands in for.
func TestBodyStringsMatchWriteBody(t *testing.T) {
	k := K8s{PodUID: "u", PodName: "p", Namespace: "n", NodeName: "no", ContainerName: "c",
		WorkloadKind: "Deployment", WorkloadName: "w", Services: []string{"s"}, Reason: "r"}
	want := pcommon.NewMap()
	k.writeBody(want)
	got := map[string]any{BodyServicesKey: []any{"s"}}
	for _, f := range k.BodyStrings() {
		got[f.Key] = f.Value
	}
	assert.Equal(t, want.AsRaw(), got)

	c := Container{ID: "i", Name: "n", ImageName: "im", Runtime: "r"}
	want = pcommon.NewMap()
	c.writeBody(want)
	got = map[string]any{}
	for _, f := range c.BodyStrings() {
		got[f.Key] = f.Value
	}
	assert.Equal(t, want.AsRaw(), got)
}
