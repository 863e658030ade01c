package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// cgroupV2Root is where this host mounts cgroup v2 (hybrid); the kernel's
// cgroup id of a process is the inode of its directory there.
const cgroupV2Root = "/sys/fs/cgroup/unified"

// pod is a Pod on the API server bound to the agent's node, and a real
// cgroup v2 directory laid out as the kubelet's cgroupfs driver names a
// container of it: processes the test moves there are, for the kernel
// and for every component reading cgroups, that pod's container. No
// kubelet runs here, so the Pod stays Pending; its identity, owner and
// node are what enrichment needs.
type pod struct {
	*corev1.Pod
	containerID string
	// procs is the container cgroup's cgroup.procs.
	procs string
}

func newPod(t *testing.T, client kubernetes.Interface, node, name string) *pod {
	t.Helper()
	p, err := client.CoreV1().Pods("default").Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "StatefulSet", Name: "e2e-db",
				UID: types.UID("5b2f6c1e-7a0d-4c3e-9f1a-2d4b6e8f0a1c"), Controller: new(true),
			}},
		},
		Spec: corev1.PodSpec{
			NodeName:   node,
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/e2e-db:1"}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	containerID, dir := containerCgroup(t, p.UID)
	return &pod{Pod: p, containerID: containerID, procs: filepath.Join(dir, "cgroup.procs")}
}

// containerCgroup makes the cgroup v2 directory the kubelet's cgroupfs
// driver gives a container of the pod with this uid, under a fresh
// container id, and removes it (and the pod's directories, unless another
// container still has one) when tb ends: its processes must have left by
// then.
func containerCgroup(tb testing.TB, podUID types.UID) (containerID, dir string) {
	tb.Helper()
	id := make([]byte, 32)
	_, err := rand.Read(id)
	require.NoError(tb, err)
	containerID = hex.EncodeToString(id)
	podDir := filepath.Join(cgroupV2Root, "kubepods", "burstable", "pod"+string(podUID))
	dir = filepath.Join(podDir, containerID)
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	tb.Cleanup(func() {
		// Leaf first; a parent another test still uses stays. A process
		// reaped a moment ago may still hold the cgroup briefly.
		assert.NoError(tb, loadgen.RemoveCgroup(dir, 10*time.Second))
		for d := podDir; d != cgroupV2Root; d = filepath.Dir(d) {
			_ = os.Remove(d)
		}
	})
	return containerID, dir
}
