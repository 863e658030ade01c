package kubecache

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func apiPod(uid, name, ip string, created time.Time) *corev1.Pod {
	yes := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			UID: types.UID(uid), Name: name, Namespace: "shop",
			CreationTimestamp: metav1.NewTime(created),
			Labels:            map[string]string{"app": "cart"},
			OwnerReferences:   []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "cart-7d9f", UID: "rs-1", Controller: &yes}},
		},
		Spec: corev1.PodSpec{NodeName: "node-a"},
		Status: corev1.PodStatus{
			PodIPs:            []corev1.PodIP{{IP: ip}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "cart", ContainerID: "containerd://c-" + uid}},
		},
	}
}

func TestPodFromKeepsContainersOnlyForThisNode(t *testing.T) {
	var it interner
	p := podFrom(apiPod("u1", "cart-1", "10.244.0.5", t0), "node-a", &it)
	assert.Equal(t, []Container{{ID: "c-u1", Name: "cart"}}, p.Containers)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.244.0.5")}, p.IPs)
	assert.Equal(t, "ReplicaSet", p.OwnerKind)
	assert.Equal(t, "cart", p.ContainerName("c-u1"))

	other := podFrom(apiPod("u2", "cart-2", "10.244.1.5", t0), "node-b", &it)
	assert.Empty(t, other.Containers)
	assert.Equal(t, p.Namespace, other.Namespace)
}

func TestIPLeasesFollowReuse(t *testing.T) {
	c := New("node-a", time.Minute)
	var it interner
	ip := netip.MustParseAddr("10.244.0.5")
	old := podFrom(apiPod("old", "cart-1", ip.String(), t0), "node-a", &it)
	c.UpsertPod(old, t0.Add(time.Second))
	c.DeletePod("old", t0.Add(10*time.Second))
	// The new pod was created while the old one was still terminating;
	// the address is only its own from the old pod's deletion.
	fresh := podFrom(apiPod("new", "cart-2", ip.String(), t0.Add(8*time.Second)), "node-a", &it)
	c.UpsertPod(fresh, t0.Add(11*time.Second))

	assert.Equal(t, "old", c.PodByIP(ip, t0.Add(5*time.Second)).UID)
	assert.Equal(t, "old", c.PodByIP(ip, t0.Add(9*time.Second)).UID)
	assert.Equal(t, "new", c.PodByIP(ip, t0.Add(10*time.Second)).UID)
	assert.Equal(t, "new", c.PodByIP(ip, t0.Add(time.Hour)).UID)
	assert.Equal(t, "new", c.PodByIP(ip, time.Time{}).UID)
	assert.Nil(t, c.PodByIP(ip, t0.Add(-time.Second)), "before any pod existed")

	// The deleted pod stays resolvable by uid and container for the
	// retention window, then goes with its lease.
	assert.Equal(t, "cart-1", c.PodByUID("old").Name)
	assert.Equal(t, "cart-1", c.PodByContainer("c-old").Name)
	c.Sweep(t0.Add(10*time.Second + 2*time.Minute))
	assert.Nil(t, c.PodByUID("old"))
	assert.Nil(t, c.PodByContainer("c-old"))
	assert.Nil(t, c.PodByIP(ip, t0.Add(5*time.Second)))
	assert.Equal(t, "new", c.PodByIP(ip, t0.Add(time.Hour)).UID)
}

func TestIPMovesWithoutDeleteSeen(t *testing.T) {
	c := New("node-a", time.Minute)
	var it interner
	ip := netip.MustParseAddr("10.244.0.9")
	c.UpsertPod(podFrom(apiPod("a", "a", ip.String(), t0), "node-a", &it), t0)
	// A relist shows b holding the address and a gone.
	c.ReplacePods([]*Pod{podFrom(apiPod("b", "b", ip.String(), t0.Add(time.Second)), "node-a", &it)}, t0.Add(30*time.Second))
	assert.Equal(t, "a", c.PodByIP(ip, t0.Add(20*time.Second)).UID)
	assert.Equal(t, "b", c.PodByIP(ip, t0.Add(31*time.Second)).UID)
	assert.Equal(t, "a", c.PodByUID("a").Name, "kept after the relist for the retention window")
	assert.True(t, c.Synced(ResourcePods))
}

func TestHostNetworkPodsTakeNoLease(t *testing.T) {
	c := New("node-a", time.Minute)
	var it interner
	in := apiPod("h", "kube-proxy", "192.168.1.10", t0)
	in.Spec.HostNetwork = true
	c.UpsertPod(podFrom(in, "node-a", &it), t0)
	assert.Nil(t, c.PodByIP(netip.MustParseAddr("192.168.1.10"), t0.Add(time.Second)))
}

func TestServicesAndBackends(t *testing.T) {
	c := New("node-a", time.Minute)
	var it interner
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "cart", Namespace: "shop"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.20", ClusterIPs: []string{"10.96.0.20"}, Selector: map[string]string{"app": "cart"}},
	}
	headless := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-headless", Namespace: "shop"},
		Spec:       corev1.ServiceSpec{ClusterIP: "None", Selector: map[string]string{"app": "cart"}},
	}
	other := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.30", Selector: map[string]string{"app": "db"}},
	}
	c.ReplaceServices([]*Service{serviceFrom(svc, &it), serviceFrom(headless, &it), serviceFrom(other, &it)})
	c.UpsertPod(podFrom(apiPod("u1", "cart-1", "10.244.0.5", t0), "node-a", &it), t0)
	assert.Equal(t, []string{"cart", "cart-headless"}, c.PodByUID("u1").Services)

	s, backend := c.ServiceByIP(netip.MustParseAddr("10.96.0.20"))
	require.NotNil(t, s)
	assert.Equal(t, "cart", s.Name)
	require.NotNil(t, backend)
	assert.Equal(t, "u1", backend.UID)

	// With two backends the one reached is kube-proxy's choice: no pod.
	c.UpsertPod(podFrom(apiPod("u2", "cart-2", "10.244.0.6", t0), "node-a", &it), t0)
	_, backend = c.ServiceByIP(netip.MustParseAddr("10.96.0.20"))
	assert.Nil(t, backend)
	c.DeletePod("u2", t0.Add(time.Second))
	_, backend = c.ServiceByIP(netip.MustParseAddr("10.96.0.20"))
	require.NotNil(t, backend)
	assert.Equal(t, "u1", backend.UID)

	// A Service added later reaches pods already cached, including what
	// the IP lease hands out.
	late := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-canary", Namespace: "shop"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.40", Selector: map[string]string{"app": "cart"}},
	}
	c.UpsertService(serviceFrom(late, &it))
	assert.Equal(t, []string{"cart", "cart-canary", "cart-headless"}, c.PodByUID("u1").Services)
	assert.Equal(t, []string{"cart", "cart-canary", "cart-headless"}, c.PodByIP(netip.MustParseAddr("10.244.0.5"), t0.Add(time.Second)).Services)
	assert.Equal(t, []string{"cart", "cart-canary", "cart-headless"}, c.PodByContainer("c-u1").Services)

	c.DeleteService("shop", "cart-canary")
	assert.Equal(t, []string{"cart", "cart-headless"}, c.PodByUID("u1").Services)
	s, _ = c.ServiceByIP(netip.MustParseAddr("10.96.0.40"))
	assert.Nil(t, s)
}

func TestWorkloadFollowsOwners(t *testing.T) {
	c := New("node-a", time.Minute)
	var it interner
	p := podFrom(apiPod("u1", "cart-1", "10.244.0.5", t0), "node-a", &it)
	c.UpsertPod(p, t0)
	assert.Equal(t, Owner{"ReplicaSet", "cart-7d9f"}, c.Workload(p), "the ReplicaSet until its owner is known")
	c.UpsertOwner(KindReplicaSet, "rs-1", Owner{"Deployment", "cart"})
	assert.Equal(t, Owner{"Deployment", "cart"}, c.Workload(p))
	// The answer is remembered on the pod, and every change of the owners
	// makes it stale; a re-sent owner does not.
	gen := c.ownersGen.Load()
	c.UpsertOwner(KindReplicaSet, "rs-1", Owner{"Deployment", "cart"})
	assert.Equal(t, gen, c.ownersGen.Load())
	assert.Zero(t, testing.AllocsPerRun(10, func() { c.Workload(p) }), "remembered")
	c.UpsertOwner(KindReplicaSet, "rs-1", Owner{"Deployment", "cart-v2"})
	assert.Equal(t, Owner{"Deployment", "cart-v2"}, c.Workload(p))
	c.DeleteOwner(KindReplicaSet, "rs-1")
	assert.Equal(t, Owner{"ReplicaSet", "cart-7d9f"}, c.Workload(p))
	c.UpsertOwner(KindReplicaSet, "rs-1", Owner{"Deployment", "cart"})
	assert.Equal(t, Owner{"Deployment", "cart"}, c.Workload(p))
	c.ReplaceOwners(KindReplicaSet, map[string]Owner{})
	assert.Equal(t, Owner{"ReplicaSet", "cart-7d9f"}, c.Workload(p))
	assert.True(t, c.Synced(KindReplicaSet))
	assert.False(t, c.Synced(KindJob))

	p.OwnerKind, p.OwnerName = "StatefulSet", "db"
	assert.Equal(t, Owner{"StatefulSet", "db"}, c.Workload(p))
	p.OwnerKind, p.OwnerName = "", ""
	assert.Equal(t, Owner{}, c.Workload(p))
}

// A peer Service's name list is made per event; it must cost no allocation.
func TestServiceNameListAliasesName(t *testing.T) {
	s := &Service{Name: "web", Namespace: "shop"}
	require.Equal(t, []string{"web"}, s.NameList())
	allocs := testing.AllocsPerRun(100, func() { _ = s.NameList() })
	require.Zero(t, allocs)
}
