package k8sdecoder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/k8sdecoder"
)

func decodeOK(t *testing.T, body []byte) *unifiedevent.Event {
	t.Helper()
	ev, err := k8sdecoder.Decode(decode.Raw{Source: "k8s", Kind: k8sdecoder.Kind, Version: "1", Body: body})
	require.NoError(t, err)
	ev.ID = "00112233445566778899aabbccddeeff" // the processor's job
	require.NoError(t, ev.Validate(), "the event must survive a log record")
	return ev
}

func TestPodWithOOMKilledContainer(t *testing.T) {
	ev := decodeOK(t, watchEvent(t, "MODIFIED", oomPod(), "v1", "Pod"))
	assert.Equal(t, unifiedevent.NameK8sObject, ev.Name)
	assert.Equal(t, plog.SeverityNumberWarn, ev.Severity, "CrashLoopBackOff after an OOM kill")
	assert.Equal(t, "WARN", ev.SeverityText)
	assert.Equal(t, &unifiedevent.K8s{
		PodUID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", PodName: "cart-7d9f8c6b5-x2x9q", Namespace: "shop",
		NodeName: "node-a", ContainerName: "cart", WorkloadKind: "Deployment", WorkloadName: "cart",
		Reason: "CrashLoopBackOff",
	}, ev.K8s)
	o := ev.K8sObject
	assert.Equal(t, "Pod", o.Kind)
	assert.Equal(t, "MODIFIED", o.Change)
	assert.Equal(t, "48213", o.ResourceVersion)
	assert.Equal(t, "ReplicaSet", o.OwnerKind, "the owner as written")
	assert.Equal(t, "cart-7d9f8c6b5", o.OwnerName)
	assert.Equal(t, "Running", o.Phase)
	assert.Equal(t, []unifiedevent.K8sCondition{{Type: "Ready", Status: "False", Reason: "ContainersNotReady", Message: "containers with unready status: [cart]"}}, o.Conditions)
	require.Len(t, o.Containers, 2)
	cart := o.Containers[0]
	assert.Equal(t, "waiting", cart.State)
	assert.Equal(t, "CrashLoopBackOff", cart.Reason)
	assert.Equal(t, int64(4), cart.Restarts)
	assert.Equal(t, "OOMKilled", cart.LastReason)
	require.NotNil(t, cart.LastExitCode)
	assert.Equal(t, int64(137), *cart.LastExitCode)
	assert.Equal(t, "running", o.Containers[1].State)
	assert.Equal(t, "Pod shop/cart-7d9f8c6b5-x2x9q MODIFIED: Running; container cart CrashLoopBackOff (last exit 137 OOMKilled, 4 restarts)", ev.Message)
}

func TestPodSeverityFollowsItsWorstState(t *testing.T) {
	killed := oomPod()
	killed.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}
	ev := decodeOK(t, watchEvent(t, "MODIFIED", killed, "v1", "Pod"))
	assert.Equal(t, "ERROR", ev.SeverityText)
	assert.Equal(t, "OOMKilled", ev.K8s.Reason)
	require.NotNil(t, ev.K8sObject.Containers[0].ExitCode)
	assert.Equal(t, int64(137), *ev.K8sObject.Containers[0].ExitCode)

	evicted := oomPod()
	evicted.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}
	ev = decodeOK(t, watchEvent(t, "MODIFIED", evicted, "v1", "Pod"))
	assert.Equal(t, "ERROR", ev.SeverityText)
	assert.Equal(t, "Evicted", ev.K8s.Reason)
	assert.Empty(t, ev.K8s.ContainerName)

	healthy := oomPod()
	healthy.Status = corev1.PodStatus{Phase: corev1.PodRunning}
	ev = decodeOK(t, watchEvent(t, "ADDED", healthy, "v1", "Pod"))
	assert.Equal(t, "INFO", ev.SeverityText)
	assert.Equal(t, "Pod shop/cart-7d9f8c6b5-x2x9q ADDED: Running", ev.Message)
}

func TestCoreEvent(t *testing.T) {
	ev := decodeOK(t, watchEvent(t, "ADDED", backOffEvent(), "v1", "Event"))
	assert.Equal(t, unifiedevent.NameK8sEvent, ev.Name)
	assert.Equal(t, "WARN", ev.SeverityText, "Warning Events are warnings")
	assert.Equal(t, &unifiedevent.K8s{
		PodUID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", PodName: "cart-7d9f8c6b5-x2x9q", Namespace: "shop",
		NodeName: "node-a", Reason: "BackOff",
	}, ev.K8s)
	assert.Equal(t, &unifiedevent.K8sEvent{
		Type: "Warning", Message: "Back-off restarting failed container cart", Count: 7,
		InvolvedKind: "Pod", InvolvedNamespace: "shop", InvolvedName: "cart-7d9f8c6b5-x2x9q",
		InvolvedUID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", Reporter: "kubelet", Host: "node-a",
	}, ev.K8sObject.Event)
	assert.Equal(t, "Event", ev.K8sObject.Kind)
	assert.Equal(t, "Warning BackOff Pod shop/cart-7d9f8c6b5-x2x9q: Back-off restarting failed container cart (x7)", ev.Message)

	normal := backOffEvent()
	normal.Type, normal.Reason, normal.Count = corev1.EventTypeNormal, "Pulled", 1
	assert.Equal(t, "INFO", decodeOK(t, watchEvent(t, "ADDED", normal, "v1", "Event")).SeverityText)
}

func TestEventsAPIEvent(t *testing.T) {
	ev := decodeOK(t, watchEvent(t, "ADDED", newEvent(), "events.k8s.io/v1", "Event"))
	assert.Equal(t, unifiedevent.NameK8sEvent, ev.Name)
	assert.Equal(t, "node-a", ev.K8s.NodeName)
	assert.Equal(t, "OOMKilling", ev.K8s.Reason)
	assert.Equal(t, "Memory cgroup out of memory: Killed process 4121 (java)", ev.K8sObject.Event.Message)
	assert.Equal(t, int64(2), ev.K8sObject.Event.Count)
	assert.Equal(t, "kernel-monitor", ev.K8sObject.Event.Reporter)
}

func TestNodeConditions(t *testing.T) {
	ev := decodeOK(t, watchEvent(t, "MODIFIED", notReadyNode(), "v1", "Node"))
	assert.Equal(t, "WARN", ev.SeverityText)
	assert.Equal(t, "node-a", ev.K8s.NodeName)
	assert.Equal(t, "KubeletHasDiskPressure", ev.K8s.Reason)
	assert.Len(t, ev.K8sObject.Conditions, 3)
	assert.Equal(t, "Node node-a MODIFIED: DiskPressure=True, Ready=False (KubeletHasDiskPressure)", ev.Message)

	ready := notReadyNode()
	ready.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}, {Type: corev1.NodeDiskPressure, Status: corev1.ConditionUnknown}}
	ev = decodeOK(t, watchEvent(t, "MODIFIED", ready, "v1", "Node"))
	assert.Equal(t, "INFO", ev.SeverityText)
	assert.Empty(t, ev.K8s.Reason)
}

func TestOtherObjectsAndTombstones(t *testing.T) {
	ev := decodeOK(t, watchEvent(t, "ADDED", deployment(), "apps/v1", "Deployment"))
	assert.Equal(t, unifiedevent.NameK8sObject, ev.Name)
	assert.Equal(t, &unifiedevent.K8s{Namespace: "shop", WorkloadKind: "Deployment", WorkloadName: "cart"}, ev.K8s)
	assert.Equal(t, "Deployment shop/cart ADDED", ev.Message)

	// A re-list's stand-in for a pod deleted while no watch was open.
	tomb := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: "shop", UID: "u", ResourceVersion: "3"}}
	ev = decodeOK(t, watchEvent(t, "DELETED", tomb, "v1", "Pod"))
	assert.Equal(t, "DELETED", ev.K8sObject.Change)
	assert.Equal(t, "gone", ev.K8s.PodName)
	assert.Equal(t, "Pod shop/gone DELETED: phase unknown", ev.Message)
}

func TestBadPayloadsAreErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{"type":`,
		"no object":      `{"type":"ADDED"}`,
		"bookmark":       `{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"name":"x","resourceVersion":"5"}}}`,
		"no kind":        `{"type":"ADDED","object":{"metadata":{"name":"x"}}}`,
		"no name":        `{"type":"ADDED","object":{"kind":"Pod","metadata":{}}}`,
		"negative count": `{"type":"ADDED","object":{"kind":"Event","metadata":{"name":"x"},"count":-1}}`,
		"negative restarts": `{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"x"},` +
			`"status":{"containerStatuses":[{"name":"c","restartCount":-2}]}}}`,
	} {
		_, err := k8sdecoder.Decode(decode.Raw{Version: "1", Body: []byte(body)})
		assert.ErrorIs(t, err, k8sdecoder.ErrMalformed, name)
	}
	_, err := k8sdecoder.Decode(decode.Raw{Version: "2", Body: watchEvent(t, "ADDED", deployment(), "apps/v1", "Deployment")})
	assert.ErrorIs(t, err, decode.ErrUnsupportedVersion)
}

func TestRegisterRefusesASecondRegistration(t *testing.T) {
	r := decode.NewRegistry()
	require.NoError(t, k8sdecoder.Register(r))
	assert.Error(t, k8sdecoder.Register(r))
	_, ok := r.Lookup("k8s", "k8s.watch")
	assert.True(t, ok)
}
