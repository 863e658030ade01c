package k8swatchreceiver

import (
	"fmt"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// benchPod is a typical Deployment pod as an informer would hold it: two
// containers, labels, owner, full status, managedFields already stripped.
func benchPod(i int) *corev1.Pod {
	name := fmt.Sprintf("cart-7d9f8c6b5-%05d", i)
	ctr := func(n string) corev1.Container {
		return corev1.Container{
			Name: n, Image: "ghcr.io/shop/" + n + ":1.4.2",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
			Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
		}
	}
	now := metav1.Now()
	cond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now}
	}
	status := func(n string) corev1.ContainerStatus {
		return corev1.ContainerStatus{
			Name: n, Ready: true, RestartCount: 1, Image: "ghcr.io/shop/" + n + ":1.4.2",
			ImageID:     "ghcr.io/shop/" + n + "@sha256:9f8e7d6c5b4a39281716a5b4c3d2e1f09f8e7d6c5b4a39281716a5b4c3d2e1f0",
			ContainerID: "containerd://3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c",
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 137, Reason: "OOMKilled", StartedAt: now, FinishedAt: now,
			}},
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "shop", UID: types.UID(fmt.Sprintf("8d1e1f4c-7a52-4a89-9d1c-%012d", i)),
			ResourceVersion: fmt.Sprint(100000 + i), CreationTimestamp: now, GenerateName: "cart-7d9f8c6b5-",
			Labels:      map[string]string{"app": "cart", "pod-template-hash": "7d9f8c6b5", "team": "shop", "tier": "backend", "version": "1.4.2"},
			Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-11-29T10:00:00Z", "prometheus.io/scrape": "true"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "cart-7d9f8c6b5",
				UID: "1b2c3d4e-0000-4000-8000-000000000001", Controller: new(true), BlockOwnerDeletion: new(true),
			}},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-a", ServiceAccountName: "cart", Containers: []corev1.Container{ctr("cart"), ctr("sidecar")},
			Volumes: []corev1.Volume{{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{cond(corev1.PodInitialized), cond(corev1.PodReady), cond(corev1.ContainersReady), cond(corev1.PodScheduled)},
			HostIP:     "10.0.0.17", PodIP: "10.244.1.17", PodIPs: []corev1.PodIP{{IP: "10.244.1.17"}},
			StartTime: &now, QOSClass: corev1.PodQOSBurstable,
			ContainerStatuses: []corev1.ContainerStatus{status("cart"), status("sidecar")},
		},
	}
}

// heapPerObject fills a cache with n objects and reports the live heap it
// holds per object, after garbage collection on both sides.
func heapPerObject(b *testing.B, n int, fill func(i int) any) float64 {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	held := make([]any, 0, n)
	for i := range n {
		held = append(held, fill(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// BenchmarkCachedObjectBytes compares what one watched pod costs to keep:
// a full informer cache, a metadata-only (metadatainformer-style) cache,
// and this receiver's tracker, which keeps only uid and resourceVersion.
func BenchmarkCachedObjectBytes(b *testing.B) {
	const n = 5000
	b.Run("informer_full_pod", func(b *testing.B) {
		var per float64
		for b.Loop() {
			store := cache.NewStore(cache.MetaNamespaceKeyFunc)
			per = heapPerObject(b, n, func(i int) any { _ = store.Add(benchPod(i)); return nil })
			runtime.KeepAlive(store)
		}
		b.ReportMetric(per, "bytes/object")
	})
	b.Run("informer_metadata_only", func(b *testing.B) {
		var per float64
		for b.Loop() {
			store := cache.NewStore(cache.MetaNamespaceKeyFunc)
			per = heapPerObject(b, n, func(i int) any {
				p := benchPod(i)
				_ = store.Add(&metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: p.ObjectMeta})
				return nil
			})
			runtime.KeepAlive(store)
		}
		b.ReportMetric(per, "bytes/object")
	})
	b.Run("tapio_tracker", func(b *testing.B) {
		var per float64
		for b.Loop() {
			t := newTracker(gvkPod, sinkFunc(func([]change) {}), nil)
			per = heapPerObject(b, n, func(i int) any { _ = t.Add(benchPod(i)); return nil })
			runtime.KeepAlive(t)
		}
		b.ReportMetric(per, "bytes/object")
	})
}
