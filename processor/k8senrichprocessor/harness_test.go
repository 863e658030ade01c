package k8senrichprocessor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/cgroupv2"
	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

const (
	thisNode  = "node-a"
	otherNode = "node-b"
)

// env is a real API server with kwok nodes, a real cgroup v2 subtree and a
// started processor whose output lands in sink.
type env struct {
	t      *testing.T
	client kubernetes.Interface
	cgRoot string
	proc   processor.Logs
	p      *enrichProcessor
	sink   *consumertest.LogsSink
	tel    *componenttest.Telemetry
}

func newEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	testkit.RequireRoot(t)
	c := k8stest.Start(t, k8stest.Options{Kwok: true})
	for _, n := range []string{thisNode, otherNode} {
		_, err := c.AddNode(t.Context(), n)
		require.NoError(t, err)
	}
	e := &env{t: t, client: c.Client(), cgRoot: cgroupRoot(t)}
	cfg := createDefaultConfig().(*Config)
	cfg.AuthType, cfg.Kubeconfig = "kubeconfig", c.Kubeconfig(k8stest.AdminUser)
	cfg.QPS, cfg.Burst = 50, 100
	cfg.NodeName = thisNode
	cfg.CgroupRoot = e.cgRoot
	// No pid of these synthetic events is a real process; an empty proc
	// keeps them from matching whatever host process has that pid.
	cfg.HostProc = t.TempDir()
	cfg.HoldBack = 3 * time.Second
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	set := processortest.NewNopSettings(metadata.Type)
	e.tel = componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, e.tel.Shutdown(context.Background())) })
	set.TelemetrySettings = e.tel.NewTelemetrySettings()
	e.sink = new(consumertest.LogsSink)
	var err error
	e.proc, e.p, err = newLogsProcessor(t.Context(), set, cfg, e.sink)
	require.NoError(t, err)
	require.NoError(t, e.proc.Start(t.Context(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, e.proc.Shutdown(context.Background())) })
	require.Eventually(t, func() bool {
		return e.p.cache.Synced(kubecache.ResourcePods, kubecache.ResourceServices, kubecache.KindReplicaSet, kubecache.KindJob)
	}, 30*time.Second, 20*time.Millisecond, "cache never synced")
	return e
}

// cgroupRoot makes a real cgroup v2 directory for the test, the root the
// processor walks, so cgroup ids are real inode numbers.
func cgroupRoot(t *testing.T) string {
	t.Helper()
	base := cgroupv2.Find()
	require.NotEmpty(t, base, "no cgroup v2 mount on this host")
	dir := filepath.Join(base, "tapio-enrich-test-"+randHex(4))
	require.NoError(t, os.Mkdir(dir, 0o755))
	t.Cleanup(func() { removeCgroups(t, dir) })
	return dir
}

// removeCgroups removes a cgroup tree deepest first (cgroupfs has no
// recursive rmdir; the control files go with their directory).
func removeCgroups(t *testing.T, root string) {
	var dirs []string
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	slices.Reverse(dirs)
	for _, d := range dirs {
		if err := syscall.Rmdir(d); err != nil {
			t.Logf("remove cgroup %s: %v", d, err)
		}
	}
}

// containerCgroup creates the cgroup containerd makes under the systemd
// driver for a container of pod and returns its id (the directory inode,
// what bpf_get_current_cgroup_id reports).
func (e *env) containerCgroup(pod *corev1.Pod, containerID string) int64 {
	e.t.Helper()
	uid := strings.ReplaceAll(string(pod.UID), "-", "_")
	dir := filepath.Join(e.cgRoot, "kubepods.slice", "kubepods-burstable.slice",
		"kubepods-burstable-pod"+uid+".slice", "cri-containerd-"+containerID+".scope")
	require.NoError(e.t, os.MkdirAll(dir, 0o755))
	st, err := os.Stat(dir)
	require.NoError(e.t, err)
	return int64(st.Sys().(*syscall.Stat_t).Ino)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func containerID() string { return randHex(32) }

// runPod creates a pod on node and waits for kwok to run it with an IP.
func (e *env) runPod(pod *corev1.Pod) *corev1.Pod {
	e.t.Helper()
	ctx := e.t.Context()
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if len(pod.Spec.Containers) == 0 {
		pod.Spec.Containers = []corev1.Container{{Name: "main", Image: "busybox"}}
	}
	created, err := e.client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(e.t, err)
	var got *corev1.Pod
	require.Eventually(e.t, func() bool {
		got, err = e.client.CoreV1().Pods(created.Namespace).Get(ctx, created.Name, metav1.GetOptions{})
		// A Job's pod may already have completed: kwok runs it, then
		// finishes it.
		return err == nil && got.Status.PodIP != "" &&
			(got.Status.Phase == corev1.PodRunning || got.Status.Phase == corev1.PodSucceeded)
	}, 30*time.Second, 20*time.Millisecond, "kwok did not run pod %s", created.Name)
	return got
}

// waitCached waits until the processor's cache holds the pods.
func (e *env) waitCached(pods ...*corev1.Pod) {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		for _, p := range pods {
			if e.p.cache.PodByUID(string(p.UID)) == nil {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)
}

// setContainerIDs writes runtime ids into the pod's container statuses,
// as the kubelet does once the runtime started the containers; kwok
// leaves them out. It waits for the processor to see them.
func (e *env) setContainerIDs(pod *corev1.Pod, ids ...string) *corev1.Pod {
	e.t.Helper()
	ctx := e.t.Context()
	var out *corev1.Pod
	require.Eventually(e.t, func() bool {
		cur, err := e.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || len(cur.Status.ContainerStatuses) < len(ids) {
			return false
		}
		for i, id := range ids {
			cur.Status.ContainerStatuses[i].ContainerID = "containerd://" + id
		}
		// A conflict with kwok's own status write is retried.
		out, err = e.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	require.Eventually(e.t, func() bool { return e.p.cache.PodByContainer(ids[0]) != nil }, 10*time.Second, 10*time.Millisecond)
	return out
}

// consume sends events through the processor as one batch.
func (e *env) consume(events ...*unifiedevent.Event) {
	e.t.Helper()
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ev := range events {
		ev.WriteTo(lrs.AppendEmpty())
	}
	require.NoError(e.t, e.proc.ConsumeLogs(e.t.Context(), ld))
}

// output returns every record emitted so far by event id.
func (e *env) output() map[string]record {
	out := map[string]record{}
	for _, r := range records(e.sink.AllLogs()...) {
		if id, ok := r.lr.Attributes().Get(unifiedevent.AttrEventID); ok {
			out[id.Str()] = r
		}
	}
	return out
}

// waitFor waits until every event has been emitted and returns them read
// back through the UnifiedEvent schema, with their enrichment status.
func (e *env) waitFor(events ...*unifiedevent.Event) map[string]enriched {
	e.t.Helper()
	var out map[string]record
	require.Eventually(e.t, func() bool {
		out = e.output()
		for _, ev := range events {
			if _, ok := out[ev.ID]; !ok {
				return false
			}
		}
		return true
	}, 15*time.Second, 10*time.Millisecond, "events not emitted")
	res := map[string]enriched{}
	for _, ev := range events {
		r := out[ev.ID]
		back, err := unifiedevent.FromRecord(r.res, r.lr)
		require.NoError(e.t, err, "enriched record must still be a valid UnifiedEvent")
		body, err := unifiedevent.FromLogRecord(r.lr)
		require.NoError(e.t, err)
		st, _ := r.lr.Attributes().Get(AttrEnrichmentStatus)
		res[ev.ID] = enriched{ev: back, body: body, status: st.Str(),
			resource: k8sAttrs(r.res.Attributes()), attrs: k8sAttrs(r.lr.Attributes())}
	}
	return res
}

// enriched is an emitted event read back with its Resource (FromRecord)
// and from the record alone (FromLogRecord), its status, and the k8s.* and
// container.* attributes of its Resource and of the record.
type enriched struct {
	ev       *unifiedevent.Event
	body     *unifiedevent.Event
	status   string
	resource map[string]string
	attrs    map[string]string
}

// sum adds up a counter's data points that carry attribute key=value.
func (e *env) sum(t *testing.T, name, key, value string) int64 {
	t.Helper()
	m, err := e.tel.GetMetric("otelcol." + name)
	if err != nil {
		return 0
	}
	var total int64
	if d, ok := m.Data.(metricdata.Sum[int64]); ok {
		for _, p := range d.DataPoints {
			if v, ok := p.Attributes.Value(attribute.Key(key)); ok && v.AsString() == value {
				total += p.Value
			}
		}
	}
	return total
}

func (e *env) histCount(t *testing.T, name string) uint64 {
	t.Helper()
	m, err := e.tel.GetMetric("otelcol." + name)
	if err != nil {
		return 0
	}
	var n uint64
	if d, ok := m.Data.(metricdata.Histogram[float64]); ok {
		for _, p := range d.DataPoints {
			n += p.Count
		}
	}
	return n
}
