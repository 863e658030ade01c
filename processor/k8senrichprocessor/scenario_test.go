package k8senrichprocessor

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func subjectOf(p *corev1.Pod, container, kind, workload string, services ...string) *unifiedevent.K8s {
	return &unifiedevent.K8s{
		PodUID: string(p.UID), PodName: p.Name, Namespace: p.Namespace, NodeName: p.Spec.NodeName,
		ContainerName: container, WorkloadKind: kind, WorkloadName: workload, Services: services,
	}
}

func TestKernelEventsGetTheirPodWorkloadAndPeer(t *testing.T) {
	e := newEnv(t, nil)
	db := e.statefulSetPod("db", map[string]string{"app": "db"})
	db.Spec.NodeName = otherNode
	db = e.runPod(db)
	dbSvc := e.service("db", map[string]string{"app": "db"})
	e.service("cart", map[string]string{"app": "cart"})

	cart := e.deploymentPod("cart", map[string]string{"app": "cart"})
	cart.Spec.NodeName = thisNode
	cart = e.runPod(cart)
	cid := containerID()
	e.setContainerIDs(cart, cid)
	cg := e.containerCgroup(cart, cid)

	report := e.cronJobPod("report")
	report.Spec.NodeName = thisNode
	report = e.runPod(report)
	// kwok finishes a Job's pod and rewrites its statuses without ids, as
	// a kubelet never would; the pod uid in the cgroup path finds it.
	rcg := e.containerCgroup(report, containerID())
	e.waitCached(db, cart, report)
	require.Eventually(t, func() bool {
		s, backend := e.p.cache.ServiceByIP(netip.MustParseAddr(dbSvc.Spec.ClusterIP))
		return s != nil && backend != nil
	}, 10*time.Second, 10*time.Millisecond)

	now := time.Now()
	execEv := execEvent(cg, now)
	oomEv := oomEvent(cg, now)
	toPod := tcpEvent(cg, cart.Status.PodIP, db.Status.PodIP, now)
	toSvc := tcpEvent(cg, cart.Status.PodIP, dbSvc.Spec.ClusterIP, now)
	dns := dnsEvent(rcg, report.Status.PodIP, now)
	e.consume(execEv, oomEv, toPod, toSvc, dns)
	got := e.waitFor(execEv, oomEv, toPod, toSvc, dns)

	wantCart := subjectOf(cart, "main", "Deployment", "cart", "cart")
	wantDB := subjectOf(db, "", "StatefulSet", "db", "db")
	for _, ev := range []*unifiedevent.Event{execEv, oomEv, toPod, toSvc} {
		g := got[ev.ID]
		assert.Equal(t, StatusResolved, g.status, ev.Name)
		assert.Equal(t, wantCart, g.ev.K8s, ev.Name)
		assert.Equal(t, &unifiedevent.Container{ID: cid, Runtime: "containerd"}, g.ev.Container, ev.Name)
		assert.Equal(t, map[string]string{
			"k8s.pod.uid": string(cart.UID), "k8s.pod.name": cart.Name, "k8s.namespace.name": "default",
			"k8s.node.name": thisNode, "k8s.container.name": "main", "k8s.deployment.name": "cart",
			"container.id": cid, "container.runtime.name": "containerd",
		}, g.resource, ev.Name)
		// The subject is on the Resource only, written once for the batch.
		assert.Empty(t, g.attrs, ev.Name)
		assert.Nil(t, g.body.K8s, ev.Name)
		assert.Nil(t, g.body.Container, ev.Name)
		// What the decoder wrote survives.
		assert.Equal(t, ev.Kernel, g.ev.Kernel, ev.Name)
		assert.Equal(t, ev.Network, g.ev.Network, ev.Name)
	}
	assert.Nil(t, got[execEv.ID].ev.Peer)
	assert.Equal(t, wantDB, got[toPod.ID].ev.Peer, "peer by pod IP")
	assert.Equal(t, wantDB, got[toSvc.ID].ev.Peer, "peer by ClusterIP: the service and its one pod")

	g := got[dns.ID]
	assert.Equal(t, StatusResolved, g.status)
	assert.Equal(t, subjectOf(report, "", "CronJob", "report"), g.ev.K8s)
	assert.Equal(t, "report", g.resource["k8s.cronjob.name"])
	assert.Equal(t, dns.Network.DNS, g.ev.Network.DNS)
}

// TestReusedIPResolvesByEventTime deletes a pod and gives its address to
// a new one, then sends events from before and after the switch: each
// must name the pod that held the address when it happened.
func TestReusedIPResolvesByEventTime(t *testing.T) {
	e := newEnv(t, nil)
	ctx := e.t.Context()
	old := e.runPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "old"}, Spec: corev1.PodSpec{NodeName: otherNode}})
	ip := old.Status.PodIP
	e.waitCached(old)
	before := time.Now()

	require.NoError(t, e.client.CoreV1().Pods("default").Delete(ctx, "old", *metav1.NewDeleteOptions(0)))
	require.Eventually(t, func() bool {
		return e.p.cache.PodByIP(netip.MustParseAddr(ip), time.Time{}) == nil
	}, 10*time.Second, 10*time.Millisecond)

	// The new pod runs on a node kwok does not manage, so the test can give
	// it the freed address, as a CNI's IPAM would.
	_, err := e.client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-c"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	fresh, err := e.client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "new"},
		Spec:       corev1.PodSpec{NodeName: "node-c", Containers: []corev1.Container{{Name: "main", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	fresh.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}}
	fresh, err = e.client.CoreV1().Pods("default").UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		p := e.p.cache.PodByIP(netip.MustParseAddr(ip), time.Time{})
		return p != nil && p.Name == "new"
	}, 10*time.Second, 10*time.Millisecond)
	after := time.Now()

	peerBefore := tcpEvent(0, "10.244.200.1", ip, before)
	peerAfter := tcpEvent(0, "10.244.200.1", ip, after)
	// No cgroup: the local address names the subject (an ingress packet).
	localBefore := tcpEvent(0, ip, "10.244.200.1", before)
	localAfter := tcpEvent(0, ip, "10.244.200.1", after)
	e.consume(peerAfter, peerBefore, localAfter, localBefore)
	got := e.waitFor(peerBefore, peerAfter, localBefore, localAfter)

	assert.Equal(t, "old", got[peerBefore.ID].ev.Peer.PodName)
	assert.Equal(t, string(old.UID), got[peerBefore.ID].ev.Peer.PodUID)
	assert.Equal(t, "new", got[peerAfter.ID].ev.Peer.PodName)
	assert.Equal(t, string(fresh.UID), got[peerAfter.ID].ev.Peer.PodUID)
	assert.Equal(t, "old", got[localBefore.ID].ev.K8s.PodName)
	assert.Equal(t, "new", got[localAfter.ID].ev.K8s.PodName)
	for _, g := range got {
		assert.Equal(t, StatusResolved, g.status)
	}
}

// TestShortLivedPodIsResolved runs a pod for well under a second, then
// sends its event once the pod is gone from the API server.
func TestShortLivedPodIsResolved(t *testing.T) {
	e := newEnv(t, nil)
	ctx := e.t.Context()
	start := time.Now()
	pod := e.runPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "blip"}, Spec: corev1.PodSpec{NodeName: thisNode}})
	cid := containerID()
	e.setContainerIDs(pod, cid)
	cg := e.containerCgroup(pod, cid)
	at := time.Now()
	require.NoError(t, e.client.CoreV1().Pods("default").Delete(ctx, "blip", *metav1.NewDeleteOptions(0)))
	t.Logf("pod lived %s", time.Since(start))
	require.Eventually(t, func() bool {
		return e.p.cache.PodByIP(netip.MustParseAddr(pod.Status.PodIP), time.Time{}) == nil
	}, 10*time.Second, 10*time.Millisecond)

	blip := execEvent(cg, at)
	e.consume(blip)
	g := e.waitFor(blip)[blip.ID]
	assert.Equal(t, StatusResolved, g.status)
	assert.Equal(t, subjectOf(pod, "main", "", ""), g.ev.K8s)
}

// TestHoldBackWaitsForThePod sends CNI events for pods the API server has
// not shown yet: one pod then appears (late), the other never does (miss).
func TestHoldBackWaitsForThePod(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.HoldBack = 2 * time.Second })
	now := time.Now()
	late := cniEvent("default", "late-pod", now)
	never := cniEvent("default", "never-pod", now)
	e.consume(late, never)
	assert.Empty(t, e.output(), "both wait for their pods")

	pod, err := e.client.CoreV1().Pods("default").Create(e.t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "late-pod"},
		Spec:       corev1.PodSpec{NodeName: thisNode, Containers: []corev1.Container{{Name: "main", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	got := e.waitFor(late)
	assert.Equal(t, StatusLate, got[late.ID].status)
	assert.Equal(t, string(pod.UID), got[late.ID].ev.K8s.PodUID)
	assert.Equal(t, late.CNI, got[late.ID].ev.CNI)

	got = e.waitFor(never)
	assert.Equal(t, StatusMiss, got[never.ID].status)
	assert.Equal(t, &unifiedevent.K8s{PodName: "never-pod", Namespace: "default"}, got[never.ID].ev.K8s, "left as decoded")
	assert.GreaterOrEqual(t, time.Since(now), 2*time.Second, "a miss waits the whole window")

	assert.Equal(t, int64(1), e.sum(t, "tapio_k8s_enrich.records", "status", StatusLate))
	assert.Equal(t, int64(1), e.sum(t, "tapio_k8s_enrich.records", "reason", reasonUnknownPod))
	assert.Equal(t, uint64(1), e.histCount(t, "tapio_k8s_enrich.hold.lag"))
}

// TestPIDFindsTheCgroupThroughProc moves a real process into a container's
// cgroup and sends an event that names only its pid.
func TestPIDFindsTheCgroupThroughProc(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.HostProc = "/proc" })
	pod := e.runPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "proc"}, Spec: corev1.PodSpec{NodeName: thisNode}})
	cid := containerID()
	e.setContainerIDs(pod, cid)
	e.containerCgroup(pod, cid)

	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	uid := strings.ReplaceAll(string(pod.UID), "-", "_")
	dir := filepath.Join(e.cgRoot, "kubepods.slice", "kubepods-burstable.slice",
		"kubepods-burstable-pod"+uid+".slice", "cri-containerd-"+cid+".scope")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644))
	t.Cleanup(func() {
		// Back to the root, or the cgroup cannot be removed.
		_ = os.WriteFile(filepath.Join(filepath.Dir(e.cgRoot), "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	})

	ev := execEvent(0, time.Now())
	ev.Kernel = nil
	ev.Process.PID = int64(cmd.Process.Pid)
	e.consume(ev)
	g := e.waitFor(ev)[ev.ID]
	assert.Equal(t, StatusResolved, g.status)
	assert.Equal(t, subjectOf(pod, "main", "", ""), g.ev.K8s)
}

// TestPeerPodsOffWatchesOnlyThisNode checks the narrow agent mode.
func TestPeerPodsOffWatchesOnlyThisNode(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PeerPods = false })
	remote := e.runPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "remote"}, Spec: corev1.PodSpec{NodeName: otherNode}})
	local := e.runPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: corev1.PodSpec{NodeName: thisNode}})
	e.waitCached(local)
	// Watch events arrive in resourceVersion order: a cluster-wide watch
	// would have delivered the older remote pod before the local one.
	assert.Nil(t, e.p.cache.PodByUID(string(remote.UID)))
}
