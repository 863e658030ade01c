package unifiedevent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestK8sObjectDropsEmptyEntries(t *testing.T) {
	e := minimalEvent()
	e.K8sObject = &K8sObject{
		Conditions: []K8sCondition{{}, {Type: "Ready", Status: "True"}},
		Containers: []K8sContainer{{}},
		Event:      &K8sEvent{},
	}
	got := roundTrip(t, e)
	assert.Equal(t, &K8sObject{Conditions: []K8sCondition{{Type: "Ready", Status: "True"}}}, got.K8sObject)

	e.K8sObject = &K8sObject{Containers: []K8sContainer{{}}}
	assert.Nil(t, roundTrip(t, e).K8sObject, "a part holding nothing reads back as absent")
}

func TestK8sObjectKeepsAZeroExitCode(t *testing.T) {
	e := minimalEvent()
	e.K8sObject = &K8sObject{Containers: []K8sContainer{{Name: "job", State: "terminated", Reason: "Completed", ExitCode: ptr(int64(0))}}}
	require.Equal(t, e, roundTrip(t, e))
}

func TestK8sObjectMalformedNamesTheKey(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(lr plog.LogRecord)
		key    string
	}{
		"containers not a list": {func(lr plog.LogRecord) {
			lr.Body().Map().PutEmptyMap("k8s_object").PutStr("containers", "cart")
		}, "body.k8s_object.containers"},
		"container not a map": {func(lr plog.LogRecord) {
			lr.Body().Map().PutEmptyMap("k8s_object").PutEmptySlice("containers").AppendEmpty().SetStr("cart")
		}, "body.k8s_object.containers[0]"},
		"negative restarts": {func(lr plog.LogRecord) {
			c := lr.Body().Map().PutEmptyMap("k8s_object").PutEmptySlice("containers").AppendEmpty().SetEmptyMap()
			c.PutInt("restarts", -1)
		}, "body.k8s_object.containers[0].restarts"},
		"negative count": {func(lr plog.LogRecord) {
			lr.Body().Map().PutEmptyMap("k8s_object").PutEmptyMap("event").PutInt("count", -4)
		}, "body.k8s_object.event.count"},
	} {
		t.Run(name, func(t *testing.T) {
			lr := plog.NewLogRecord()
			minimalEvent().WriteTo(lr)
			tc.mutate(lr)
			_, err := FromLogRecord(lr)
			require.ErrorIs(t, err, ErrMalformed)
			assert.Contains(t, err.Error(), tc.key)
		})
	}
}
