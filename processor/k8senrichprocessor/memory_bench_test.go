package k8senrichprocessor

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/k8sattributesprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

// memPods is how many pods both processors load: the 10,000 of the
// throughput target, all on this node so both cache the same set.
const memPods = 10_000

// BenchmarkPodMemorySideBySide loads the same pods from one real API
// server into tapio_k8s_enrich and into contrib's k8s_attributes (in its
// agent form: pods of this node only, default metadata) one after the
// other, and reports the live heap each holds per cached pod: heap after
// the cache is filled minus heap before the processor was created, after
// full garbage collections. Both figures include each processor's clients
// and informer machinery. Run with -benchtime 1x.
func BenchmarkPodMemorySideBySide(b *testing.B) {
	c := k8stest.Start(b, k8stest.Options{})
	loadPods(b, c)
	b.Setenv("KUBECONFIG", c.Kubeconfig(k8stest.AdminUser))
	for b.Loop() {
		ours := heapDuring(b, func() (func(), error) { return startOurs(b, c) })
		theirs := heapDuring(b, func() (func(), error) { return startK8sAttributes(b) })
		b.ReportMetric(ours/memPods, "tapio-B/pod")
		b.ReportMetric(theirs/memPods, "k8sattributes-B/pod")
		b.ReportMetric(ours/theirs, "ratio")
	}
}

// heapDuring returns the live heap a started processor adds.
func heapDuring(b *testing.B, start func() (func(), error)) float64 {
	before := liveHeap()
	stop, err := start()
	if err != nil {
		b.Fatal(err)
	}
	after := liveHeap()
	stop()
	return float64(after) - float64(before)
}

func liveHeap() uint64 {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func startOurs(b *testing.B, c *k8stest.Cluster) (func(), error) {
	cfg := createDefaultConfig().(*Config)
	cfg.AuthType, cfg.Kubeconfig = "kubeconfig", c.Kubeconfig(k8stest.AdminUser)
	cfg.NodeName, cfg.QPS, cfg.Burst = thisNode, 50, 100
	pl, p, err := newLogsProcessor(b.Context(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		return nil, err
	}
	if err := pl.Start(b.Context(), componenttest.NewNopHost()); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for p.cache.Len() < memPods || !p.cache.Synced("pods", "services", "ReplicaSet", "Job") {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("cache holds %d of %d pods", p.cache.Len(), memPods)
		}
		time.Sleep(10 * time.Millisecond) // polling a benchmark's setup, not a timed assertion
	}
	return func() { _ = pl.Shutdown(context.Background()) }, nil
}

func startK8sAttributes(b *testing.B) (func(), error) {
	f := k8sattributesprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	// wait_for_metadata makes Start return only once the pod informer has
	// synced, so the heap is measured with every pod cached.
	err := confmap.NewFromStringMap(map[string]any{
		"auth_type":                 "kubeConfig",
		"filter":                    map[string]any{"node": thisNode},
		"wait_for_metadata":         true,
		"wait_for_metadata_timeout": "2m",
	}).Unmarshal(cfg)
	if err != nil {
		return nil, err
	}
	var p processor.Logs
	p, err = f.CreateLogs(b.Context(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		return nil, err
	}
	if err := p.Start(b.Context(), componenttest.NewNopHost()); err != nil {
		return nil, err
	}
	return func() { _ = p.Shutdown(context.Background()) }, nil
}

// loadPods creates memPods running pods on this node in 100 Deployments
// (each with its ReplicaSet and a Service), with IPs and container ids in
// their status, as a busy node's kubelet would have reported them.
func loadPods(b *testing.B, c *k8stest.Cluster) {
	cfg := c.Config()
	cfg.QPS, cfg.Burst = 2000, 2000
	cl, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := cl.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: thisNode}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	const apps = 100
	rsRefs := make([]metav1.OwnerReference, apps)
	for i := range apps {
		name := fmt.Sprintf("app-%03d", i)
		labels := map[string]string{"app": name}
		sel := &metav1.LabelSelector{MatchLabels: labels}
		rs, err := cl.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-7d9f8c6b5"},
			Spec:       appsv1.ReplicaSetSpec{Selector: sel, Template: template(labels)},
		}, metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rsRefs[i] = controllerRef(appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), rs)
		if _, err := cl.CoreV1().Services("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
		}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	work := make(chan int)
	errs := make(chan error, memPods)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := makePod(ctx, cl, i, rsRefs[i%apps]); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range memPods {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func makePod(ctx context.Context, cl kubernetes.Interface, i int, owner metav1.OwnerReference) error {
	app := owner.Name[:len("app-000")]
	pod, err := cl.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            fmt.Sprintf("%s-%05d", owner.Name, i),
			Labels:          map[string]string{"app": app, "pod-template-hash": "7d9f8c6b5"},
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Spec: corev1.PodSpec{NodeName: thisNode, Containers: []corev1.Container{
			{Name: "main", Image: "ghcr.io/shop/" + app + ":1.4.2"},
			{Name: "sidecar", Image: "envoyproxy/envoy:v1.31"},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %d: %w", i, err)
	}
	now := metav1.Now()
	ip := fmt.Sprintf("10.244.%d.%d", i/250, i%250+1) // unique for i < 64,000
	pod.Status = corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, HostIP: "192.168.1.10", StartTime: &now,
		ContainerStatuses: []corev1.ContainerStatus{
			{Name: "main", Ready: true, ContainerID: fmt.Sprintf("containerd://%064x", 2*i+1), Image: "ghcr.io/shop/" + app + ":1.4.2",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}},
			{Name: "sidecar", Ready: true, ContainerID: fmt.Sprintf("containerd://%064x", 2*i+2), Image: "envoyproxy/envoy:v1.31",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}},
		},
	}
	if _, err := cl.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update pod %d status: %w", i, err)
	}
	return nil
}
