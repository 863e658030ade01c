package deploycheck

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.yaml.in/yaml/v3"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor"
	"github.com/yairfalse/tapio/receiver/k8swatchreceiver"
)

// auditPolicy records who did what, without bodies.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Metadata
`

// What the agent's API clients really do, read from the API server's audit
// log: the tapio_k8s_watch receiver and the tapio_k8s_enrich processor run
// on the shipped settings as the agent's ServiceAccount. Every request they
// make is allowed, and every right the RBAC grants is used, so the grants
// are neither short nor spare, whatever the components' code does today.
func TestAgentComponentsUseExactlyTheirRBAC(t *testing.T) {
	dir := t.TempDir()
	policy, log := filepath.Join(dir, "audit-policy.yaml"), filepath.Join(dir, "audit.log")
	require.NoError(t, os.WriteFile(policy, []byte(auditPolicy), 0o600))
	c := k8stest.Start(t, k8stest.Options{APIServerFlags: []string{
		"--audit-policy-file=" + policy, "--audit-log-path=" + log, "--audit-log-mode=blocking",
	}})
	ctx := t.Context()
	objs := render(t, filepath.Join(deployDir, "base"))
	sa := installAgentRBAC(t, c, objs)
	granted, err := Granted(objs, sa.namespace, sa.name)
	require.NoError(t, err)
	kubeconfig := writeKubeconfig(t, sa)

	watchCfg, err := WatchReceiverConfig(agentConfig)
	require.NoError(t, err)
	watchCfg.AuthType, watchCfg.Kubeconfig, watchCfg.NodeName = k8swatchreceiver.AuthKubeconfig, kubeconfig, "node-a"
	watchCfg.LeaderElection.LeaseNamespace = sa.namespace
	wf := k8swatchreceiver.NewFactory()
	r, err := wf.CreateLogs(ctx, receivertest.NewNopSettings(wf.Type()), watchCfg, new(consumertest.LogsSink))
	require.NoError(t, err)

	ef := k8senrichprocessor.NewFactory()
	enrichCfg := agentSection(t, "processors", "tapio_k8s_enrich", ef.CreateDefaultConfig()).(*k8senrichprocessor.Config)
	enrichCfg.AuthType, enrichCfg.Kubeconfig, enrichCfg.NodeName = "kubeconfig", kubeconfig, "node-a"
	p, err := ef.CreateLogs(ctx, processortest.NewNopSettings(ef.Type()), enrichCfg, new(consumertest.LogsSink))
	require.NoError(t, err)

	for _, comp := range []component.Component{r, p} {
		require.NoError(t, comp.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, comp.Shutdown(context.Background())) })
	}

	user := "system:serviceaccount:" + sa.namespace + ":" + sa.name
	var used map[Access]string
	allUsed := func() bool {
		used = auditedAccess(t, log, user)
		return len(unused(granted, used)) == 0
	}
	if !assert.Eventually(t, allUsed, 30*time.Second, 100*time.Millisecond) {
		t.Fatalf("granted but never used: %v", unused(granted, auditedAccess(t, log, user)))
	}

	for a, decision := range used {
		assert.Equal(t, "allow", decision, "%s was refused", a)
		assert.Contains(t, granted, a, "%s was made but is not granted by a rule of its own", a)
	}
}

// auditedAccess is what user asked of the API, from the audit log, with
// the authorizer's decision. Discovery and the test's own self-reviews are
// left out: every authenticated user may make them.
func auditedAccess(t *testing.T, path, user string) map[Access]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[Access]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Verb       string `json:"verb"`
			RequestURI string `json:"requestURI"`
			User       struct {
				Username string `json:"username"`
			} `json:"user"`
			ObjectRef *struct {
				APIGroup, Resource, Subresource, Namespace, Name string
			} `json:"objectRef"`
			Annotations map[string]string `json:"annotations"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		if ev.User.Username != user || ev.ObjectRef == nil {
			continue
		}
		ref := ev.ObjectRef
		switch ref.APIGroup {
		case "authentication.k8s.io", "authorization.k8s.io":
			continue
		}
		a := Access{Group: ref.APIGroup, Resource: ref.Resource, Verb: ev.Verb, Namespace: ref.Namespace}
		if ref.Subresource != "" {
			a.Resource += "/" + ref.Subresource
		}
		// A rule limited to names covers only requests for those names.
		if ev.Verb != "list" && ev.Verb != "watch" && ev.Verb != "create" {
			a.Name = ref.Name
		}
		d := ev.Annotations["authorization.k8s.io/decision"]
		if d == "" {
			continue
		}
		out[a] = d
		// A streaming list (client-go's WatchListClient) is the list, made
		// as a watch that first sends every object; servers without it get
		// a plain list, which the same grant must allow.
		if ev.Verb == "watch" && strings.Contains(ev.RequestURI, "sendInitialEvents=true") {
			a.Verb = "list"
			out[a] = d
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func unused(granted []Access, used map[Access]string) []Access {
	var out []Access
	for _, g := range granted {
		if _, ok := used[g]; !ok {
			out = append(out, g)
		}
	}
	return out
}

// agentSection is the agent config's section for a component, on top of
// the factory's defaults.
func agentSection(t *testing.T, role, id string, cfg component.Config) component.Config {
	t.Helper()
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, agentConfig)), &doc))
	components, _ := doc[role].(map[string]any)
	section, ok := components[id].(map[string]any)
	require.True(t, ok, "no %s %s in %s", role, id, agentConfig)
	require.NoError(t, confmap.NewFromStringMap(section).Unmarshal(cfg))
	return cfg
}
