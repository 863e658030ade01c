package deploycheck

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/receiver/k8swatchreceiver"
)

// The strongest check of the RBAC: the real tapio_k8s_watch receiver, on
// the agent's shipped settings, runs as the agent's ServiceAccount and
// emits its node's pod, its Node and a cluster Event (which only the
// Lease holder watches), with no forbidden list or watch on the way.
func TestAgentWatchReceiverRunsAsItsServiceAccount(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	objs := render(t, filepath.Join(deployDir, "base"))
	sa := installAgentRBAC(t, c, objs)

	cfg, err := WatchReceiverConfig(agentConfig)
	require.NoError(t, err)
	// In the pod these come from the mounted token and the downward API.
	cfg.AuthType = k8swatchreceiver.AuthKubeconfig
	cfg.Kubeconfig = writeKubeconfig(t, sa)
	cfg.NodeName = "node-a"
	cfg.LeaderElection.LeaseNamespace = sa.namespace

	admin := c.Client()
	_, err = admin.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = admin.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	core, logs := observer.New(zap.InfoLevel)
	f := k8swatchreceiver.NewFactory()
	set := receivertest.NewNopSettings(f.Type())
	set.Logger = zap.New(core)
	sink := new(consumertest.LogsSink)
	r, err := f.CreateLogs(ctx, set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })

	// An Event made after the receiver started, so it is emitted whatever
	// the initial list's cut-off.
	_, err = admin.CoreV1().Events("default").Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.oom"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
		Reason:         "OOMKilling", Message: "memory limit", Type: corev1.EventTypeWarning,
		LastTimestamp: metav1.Now(),
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	want := map[string]string{"Pod": "web", "Node": "node-a", "Event": "web.oom"}
	require.Eventually(t, func() bool {
		seen := emitted(t, sink)
		for kind, name := range want {
			if !seen[kind+"/"+name] {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "emitted %v; logs: %v", keys(emitted(t, sink)), messages(logs))
	assert.Empty(t, logs.FilterMessageSnippet("forbidden").All())
}

func writeKubeconfig(t *testing.T, sa *serviceAccount) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: sa.config.Host, CertificateAuthority: sa.config.CAFile}
	kc.AuthInfos[sa.name] = &clientcmdapi.AuthInfo{Token: sa.config.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: sa.name}
	kc.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, path))
	return path
}

// emitted is the set of kind/name of the objects in the raw records.
func emitted(t *testing.T, sink *consumertest.LogsSink) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, ld := range sink.AllLogs() {
		for i := range ld.ResourceLogs().Len() {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := range sls.Len() {
				recs := sls.At(j).LogRecords()
				for k := range recs.Len() {
					var body struct {
						Object struct {
							Kind     string `json:"kind"`
							Metadata struct {
								Name string `json:"name"`
							} `json:"metadata"`
						} `json:"object"`
					}
					if json.Unmarshal(recs.At(k).Body().Bytes().AsRaw(), &body) == nil {
						seen[body.Object.Kind+"/"+body.Object.Metadata.Name] = true
					}
				}
			}
		}
	}
	return seen
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func messages(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		out = append(out, e.Message)
	}
	return out
}
