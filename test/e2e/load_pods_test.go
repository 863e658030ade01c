package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/testkit"
	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// The load's kernel events come from pods, as a node's do: enrichment then
// looks each event's pod up, regroups records under the pod's Resource,
// and gives the gateway leg a workload to route by. Host processes would
// take enrichment's cheap path (no pod) and measure something no node
// sends.

// loadDeployments own the load's pods, loadReplicas each.
var loadDeployments = []string{"load-api", "load-web"}

const loadReplicas = 2

// loadServerIP is the TCP server pod's address: any 127/8 address is
// local on Linux, so the load's server listens there and each connect's
// peer is that pod.
const loadServerIP = "127.0.0.2"

// loadWorkloadPod is one of the load's pods and its container's cgroup.
type loadWorkloadPod struct {
	name, deployment string
	cgroup           string
}

// loadPods are the load's pods: exec ops start round-robin in their
// containers, the benchmark process (TCP and DNS ops) runs in client's,
// the TCP server is server's.
type loadPods struct {
	pods           []*loadWorkloadPod
	byName         map[string]*loadWorkloadPod
	client, server *loadWorkloadPod
}

// newLoadPods creates, as a Deployment's controllers would, each
// Deployment's ReplicaSet and its pods on the load node, each pod with a
// real container cgroup and the status a kubelet writes (Running, the
// container's id, the server pod's IP). No controller runs here: the
// objects are created by hand, with the owner references the controllers
// set.
func newLoadPods(b *testing.B, client kubernetes.Interface) *loadPods {
	b.Helper()
	ctx := b.Context()
	lp := &loadPods{byName: map[string]*loadWorkloadPod{}}
	for _, name := range loadDeployments {
		labels := map[string]string{"app": name}
		template := corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/" + name + ":1"}}},
		}
		selector := &metav1.LabelSelector{MatchLabels: labels}
		dep, err := client.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       appsv1.DeploymentSpec{Replicas: new(int32(loadReplicas)), Selector: selector, Template: template},
		}, metav1.CreateOptions{})
		require.NoError(b, err)
		rs, err := client.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-7d9c5b8f4", OwnerReferences: []metav1.OwnerReference{controllerRef("Deployment", dep.ObjectMeta)}},
			Spec:       appsv1.ReplicaSetSpec{Replicas: new(int32(loadReplicas)), Selector: selector, Template: template},
		}, metav1.CreateOptions{})
		require.NoError(b, err)
		for i := range loadReplicas {
			p := template.DeepCopy()
			p.Name = rs.Name + "-" + strconv.Itoa(i)
			p.OwnerReferences = []metav1.OwnerReference{controllerRef("ReplicaSet", rs.ObjectMeta)}
			p.Spec.NodeName = loadgenNode
			lp.add(b, client, &corev1.Pod{ObjectMeta: p.ObjectMeta, Spec: p.Spec}, name)
		}
	}
	lp.client, lp.server = lp.pods[0], lp.pods[len(lp.pods)-1]
	return lp
}

func controllerRef(kind string, owner metav1.ObjectMeta) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: owner.Name, UID: owner.UID, Controller: new(true)}
}

// add creates one pod, its container cgroup and its status; the last pod
// added is the server and holds loadServerIP.
func (lp *loadPods) add(b *testing.B, client kubernetes.Interface, in *corev1.Pod, deployment string) {
	b.Helper()
	p, err := client.CoreV1().Pods("default").Create(b.Context(), in, metav1.CreateOptions{})
	require.NoError(b, err)
	containerID, dir := containerCgroup(b, p.UID)
	p.Status = corev1.PodStatus{
		Phase: corev1.PodRunning,
		ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Image: p.Spec.Containers[0].Image, ContainerID: "containerd://" + containerID, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
		}},
	}
	if len(lp.pods) == len(loadDeployments)*loadReplicas-1 {
		p.Status.PodIP, p.Status.PodIPs = loadServerIP, []corev1.PodIP{{IP: loadServerIP}}
	}
	_, err = client.CoreV1().Pods("default").UpdateStatus(b.Context(), p, metav1.UpdateOptions{})
	require.NoError(b, err)
	w := &loadWorkloadPod{name: p.Name, deployment: deployment, cgroup: dir}
	lp.pods = append(lp.pods, w)
	lp.byName[w.name] = w
}

func (lp *loadPods) cgroups() []string {
	dirs := make([]string, len(lp.pods))
	for i, p := range lp.pods {
		dirs[i] = p.cgroup
	}
	return dirs
}

// enter moves the benchmark process, every thread of it, into the client
// pod's container until b ends, so the TCP and DNS ops' events are that
// container's. The collector, a child started before, stays where it
// was; children the benchmark starts meanwhile are born in the pod.
func (lp *loadPods) enter(b *testing.B) {
	b.Helper()
	// Registered before the move, so that a failure anywhere after it
	// brings the process back: a test process left in a pod's cgroup
	// would keep the cgroup from being removed and count as the pod.
	back := moveInto(b, lp.client)
	b.Cleanup(back)
}

// within runs f with the benchmark process in p's container. The kernel
// ties a socket to the cgroup of the process that made it, for good:
// servers started in f are p's, as a server pod's sockets are, wherever
// the process goes next.
func (lp *loadPods) within(b *testing.B, p *loadWorkloadPod, f func()) {
	b.Helper()
	back := moveInto(b, p)
	defer back()
	f()
}

// moveInto moves the benchmark process into p's container cgroup and
// returns what moves it back where it was; the move back is safe to call
// whether or not the move happened.
func moveInto(b *testing.B, p *loadWorkloadPod) (back func()) {
	b.Helper()
	home := filepath.Join(cgroupV2Root, testkit.CgroupV2Path(b, os.Getpid()))
	pid := []byte(strconv.Itoa(os.Getpid()))
	back = func() {
		err := os.WriteFile(filepath.Join(home, "cgroup.procs"), pid, 0)
		if err != nil {
			// The original cgroup is gone (a unit that ended): the root
			// takes any process.
			err = errors.Join(err, os.WriteFile(filepath.Join(cgroupV2Root, "cgroup.procs"), pid, 0))
		}
		if err != nil {
			b.Errorf("move the benchmark process back out of pod %s: %v", p.name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(p.cgroup, "cgroup.procs"), pid, 0); err != nil {
		back()
		b.Fatalf("move the benchmark process into pod %s: %v", p.name, err)
	}
	return back
}

// Labels the backend sink counts per class of the load's records: how
// enrichment resolved them.
const (
	labelPod        = "pod"         // the Resource names one of the load's pods
	labelWorkload   = "workload"    // and that pod's Deployment
	labelPeerWanted = "peer-wanted" // network.peer.address is the server pod's
	labelPeer       = "peer"        // the body's peer part names the server pod
	labelStatus     = "status="     // + tapio.enrichment.status, empty when unset
	labelPodName    = "pod="        // + the pod's name
)

func (lp *loadPods) label(res pcommon.Resource, lr plog.LogRecord, dst []string) []string {
	ra := res.Attributes()
	if p := lp.byName[str(ra, "k8s.pod.name")]; p != nil {
		dst = append(dst, labelPod, labelPodName+p.name)
		if str(ra, "k8s.deployment.name") == p.deployment {
			dst = append(dst, labelWorkload)
		}
	}
	attrs := lr.Attributes()
	dst = append(dst, labelStatus+str(attrs, "tapio.enrichment.status"))
	if str(attrs, "network.peer.address") == loadServerIP {
		dst = append(dst, labelPeerWanted)
		if body := lr.Body(); body.Type() == pcommon.ValueTypeMap {
			if peer, ok := body.Map().Get(ue.PartPeer); ok && peer.Type() == pcommon.ValueTypeMap && str(peer.Map(), "pod_name") == lp.server.name {
				dst = append(dst, labelPeer)
			}
		}
	}
	return dst
}

// report gives the share of the load's kernel records resolved to their
// pod, and of its connections' records resolved to the server pod as
// their peer, and fails when none resolved to a pod: the set-up would be
// broken and the figures about the host path again.
func (lp *loadPods) report(b *testing.B, sink *loadgen.Sink) {
	kernel := sink.Classes(kernelClasses...)
	pods := sink.Labelled(labelPod, kernelClasses...)
	wanted := sink.Labelled(labelPeerWanted, kernelClasses...)
	peers := sink.Labelled(labelPeer, kernelClasses...)
	b.ReportMetric(percent(pods, kernel), "pod-resolved%")
	b.ReportMetric(percent(sink.Labelled(labelWorkload, kernelClasses...), kernel), "workload%")
	b.ReportMetric(percent(peers, wanted), "peer-resolved%")
	var classes, spread []string
	for _, c := range kernelClasses {
		var statuses []string
		for _, s := range []string{"resolved", "late", "miss", ""} {
			if n := sink.Labelled(labelStatus+s, c); n > 0 {
				statuses = append(statuses, fmt.Sprintf("%q %d", s, n))
			}
		}
		classes = append(classes, fmt.Sprintf("%s %d: pod %d, workload %d, peer %d/%d, status %s", c, sink.Class(c),
			sink.Labelled(labelPod, c), sink.Labelled(labelWorkload, c), sink.Labelled(labelPeer, c), sink.Labelled(labelPeerWanted, c),
			strings.Join(statuses, " ")))
	}
	for _, p := range lp.pods {
		spread = append(spread, fmt.Sprintf("%s %d", p.name, sink.Labelled(labelPodName+p.name, kernelClasses...)))
	}
	b.Logf("enrichment of the load's kernel records: %d of %d under their pod's Resource, %d of %d connection records with the server pod as peer; %s; by pod: %s",
		pods, kernel, peers, wanted, strings.Join(classes, "; "), strings.Join(spread, ", "))
	if kernel > 0 && pods == 0 {
		b.Fatalf("none of the load's %d kernel records resolved to a load pod: the pods' cgroups or the API objects are not what enrichment reads, and these figures measure the host path", kernel)
	}
}

func percent(n, of uint64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
