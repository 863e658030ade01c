package k8sdecoder_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The fixtures are real API types marshalled the way the receiver writes
// them, so the decoder is tested against the API's JSON, not a copy of it.

var at = metav1.NewTime(time.Date(2026, 11, 29, 9, 0, 5, 0, time.UTC))

func watchEvent(t testing.TB, typ string, obj runtime.Object, apiVersion, kind string) []byte {
	t.Helper()
	obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(apiVersion, kind))
	b, err := json.Marshal(map[string]any{"type": typ, "object": obj})
	require.NoError(t, err)
	return b
}

// oomPod is a Deployment's pod whose container was OOM-killed and is now
// in CrashLoopBackOff.
func oomPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "cart-7d9f8c6b5-x2x9q", Namespace: "shop", UID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", ResourceVersion: "48213",
			Labels: map[string]string{"app": "cart", "pod-template-hash": "7d9f8c6b5"},
			OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "cart-7d9f8c6b5", UID: "rs-uid", Controller: new(true)},
			},
		},
		Spec: corev1.PodSpec{NodeName: "node-a"},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: "containers with unready status: [cart]"},
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{
					Name: "cart", RestartCount: 4,
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
				},
				{Name: "sidecar", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}}},
			},
		},
	}
}

func backOffEvent() *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-7d9f8c6b5-x2x9q.1875", Namespace: "shop", UID: "ev-uid", ResourceVersion: "48214"},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", Namespace: "shop", Name: "cart-7d9f8c6b5-x2x9q", UID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", APIVersion: "v1",
		},
		Reason: "BackOff", Message: "Back-off restarting failed container cart", Type: corev1.EventTypeWarning,
		Count: 7, FirstTimestamp: at, LastTimestamp: at, Source: corev1.EventSource{Component: "kubelet", Host: "node-a"},
	}
}

func newEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "node-a.oom", Namespace: "default", UID: "ev2-uid", ResourceVersion: "9"},
		Regarding:  corev1.ObjectReference{Kind: "Node", Name: "node-a"},
		Reason:     "OOMKilling", Note: "Memory cgroup out of memory: Killed process 4121 (java)", Type: corev1.EventTypeWarning,
		EventTime: metav1.NewMicroTime(at.Time), ReportingController: "kernel-monitor", ReportingInstance: "kernel-monitor-node-a",
		Action: "Killing", DeprecatedCount: 2,
	}
}

func notReadyNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-a", UID: "node-uid", ResourceVersion: "77"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionTrue, Reason: "KubeletHasDiskPressure"},
			{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady", Message: "PLEG is not healthy"},
		}},
	}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "cart", Namespace: "shop", UID: "dep-uid", ResourceVersion: "5"}}
}
