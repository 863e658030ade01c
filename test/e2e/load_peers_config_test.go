package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/k8sattributesprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/loadgen"
)

// The filelog peer is configured only once the distribution has it, so
// its YAML is checked here against the real receiver: it must unmarshal,
// validate and build (the regex and the timestamp layout included).
func TestFilelogPeerConfigBuilds(t *testing.T) {
	cfg, err := loadgen.NewConfig("/var/log/cni/*.log")
	require.NoError(t, err)
	filelogPeer(&cfg)
	var parsed map[string]map[string]map[string]any
	require.NoError(t, yaml.Unmarshal([]byte("receivers:\n"+cfg.ExtraReceivers), &parsed))
	section, ok := parsed["receivers"]["filelog/cni"]
	require.True(t, ok, "%s", cfg.ExtraReceivers)

	f := filelogreceiver.NewFactory()
	rc := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(section).Unmarshal(rc))
	require.NoError(t, confmap.Validate(rc))
	set := receivertest.NewNopSettings(f.Type())
	set.ID = component.MustNewIDWithName(f.Type().String(), "cni")
	r, err := f.CreateLogs(t.Context(), set, rc, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(t.Context()))
}

// k8sattrPeerConfig unmarshals the peer's YAML into the real processor's
// configuration and validates it.
func k8sattrPeerConfig(t *testing.T) (processor.Factory, *k8sattributesprocessor.Config) {
	t.Helper()
	var parsed map[string]map[string]map[string]any
	yml := k8sattrConfig(loadgenNode)
	require.NoError(t, yaml.Unmarshal([]byte("processors:\n"+yml), &parsed))
	section, ok := parsed["processors"][k8sattrID]
	require.True(t, ok, "%s", yml)
	f := k8sattributesprocessor.NewFactory()
	pc := f.CreateDefaultConfig().(*k8sattributesprocessor.Config)
	require.NoError(t, confmap.NewFromStringMap(section).Unmarshal(pc))
	require.NoError(t, confmap.Validate(pc))
	return f, pc
}

// The peer is configured as a node agent runs it: this node's pods, by
// the UID enrichment puts on the Resource, with the default metadata,
// which names the deployment.
func TestK8sattrPeerConfigIsANodeAgents(t *testing.T) {
	_, pc := k8sattrPeerConfig(t)
	assert.Equal(t, loadgenNode, pc.Filter.Node)
	assert.False(t, pc.Passthrough)
	assert.Equal(t, "kubeConfig", string(pc.APIConfig.AuthType))
	require.Len(t, pc.Association, 1)
	require.Len(t, pc.Association[0].Sources, 1)
	assert.Equal(t, "resource_attribute", pc.Association[0].Sources[0].From)
	assert.Equal(t, "k8s.pod.uid", pc.Association[0].Sources[0].Name)
	assert.Contains(t, pc.Extract.Metadata, "k8s.deployment.name")
}

// Against a real API server, through KUBECONFIG as in the benchmark: the
// peer names this node's pod from its UID, leaves another node's pod and
// a host record unnamed, and passes every record on (the load's ledger
// counts on it dropping none).
func TestK8sattrPeerFindsThisNodesPodsByUID(t *testing.T) {
	cluster := k8stest.Start(t, k8stest.Options{})
	pods := cluster.Client().CoreV1().Pods("default")
	mk := func(name, node string) *corev1.Pod {
		p, err := pods.Create(t.Context(), &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example/peer:1"}}},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		return p
	}
	here, elsewhere := mk("peer-here", loadgenNode), mk("peer-elsewhere", "another-node")

	t.Setenv("KUBECONFIG", cluster.Kubeconfig(k8stest.AdminUser))
	f, pc := k8sattrPeerConfig(t)
	sink := &consumertest.LogsSink{}
	p, err := f.CreateLogs(t.Context(), processortest.NewNopSettings(f.Type()), pc, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	batch := func() plog.Logs {
		ld := plog.NewLogs()
		for _, uid := range []string{string(here.UID), string(elsewhere.UID), ""} {
			rl := ld.ResourceLogs().AppendEmpty()
			if uid != "" {
				rl.Resource().Attributes().PutStr("k8s.pod.uid", uid)
			}
			rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("r")
		}
		return ld
	}
	named := func(rl plog.ResourceLogs) string {
		v, _ := rl.Resource().Attributes().Get("k8s.pod.name")
		return v.Str()
	}
	// The informers sync after Start: until then the pod is not found.
	require.Eventually(t, func() bool {
		require.NoError(t, p.ConsumeLogs(t.Context(), batch()))
		all := sink.AllLogs()
		return named(all[len(all)-1].ResourceLogs().At(0)) == here.Name
	}, 30*time.Second, 50*time.Millisecond)

	for _, ld := range sink.AllLogs() {
		require.Equal(t, 3, ld.LogRecordCount(), "k8s_attributes passes every record on")
	}
	last := sink.AllLogs()[len(sink.AllLogs())-1].ResourceLogs()
	assert.Empty(t, named(last.At(1)), "another node's pod is outside the node filter")
	assert.Equal(t, 0, last.At(2).Resource().Attributes().Len(), "a host record has no pod to find")
	ns, _ := last.At(0).Resource().Attributes().Get("k8s.namespace.name")
	assert.Equal(t, "default", ns.Str())
}
