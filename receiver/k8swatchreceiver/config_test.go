package k8swatchreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/receiver/k8swatchreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, createDefaultConfig(), def)

	all := loadConfig(t, "all_settings")
	require.NoError(t, confmap.Validate(all))
	assert.Equal(t, &Config{
		AuthType:   AuthKubeconfig,
		Kubeconfig: "/etc/tapio/kubeconfig",
		Context:    "prod",
		NodeName:   "node-a",
		Pods:       true,
		Node:       false,
		Events:     true,
		Resources: []ResourceConfig{
			{Name: "services"},
			{Name: "endpointslices.discovery.k8s.io"},
			{Name: "replicasets.v1.apps", MetadataOnly: true},
		},
		ClusterScoped: ClusterScopedOn,
		LeaderElection: LeaderElectionConfig{
			LeaseName: "tapio-gateway", LeaseNamespace: "observability",
			LeaseDuration: 30 * time.Second, RenewDeadline: 20 * time.Second, RetryPeriod: 5 * time.Second,
		},
		QPS:   20,
		Burst: 40,
	}, all)
}

func TestInvalidConfigsNameTheKey(t *testing.T) {
	cases := map[string]struct {
		err  error
		text string
	}{
		"bad_auth":           {errAuthType, "auth_type"},
		"bad_mode":           {errClusterScoped, "cluster_scoped"},
		"bad_resource":       {errResourceName, "resources[0].name"},
		"duplicate_resource": {errDuplicate, "resources[1].name"},
		"nothing":            {errNothing, "nothing to watch"},
		"bad_lease_timing":   {errLeaseTiming, "leader_election"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := loadConfig(t, name).Validate()
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.text)
		})
	}
	cfg := createDefaultConfig().(*Config)
	cfg.QPS, cfg.Burst = 0, -1
	err := cfg.Validate()
	assert.ErrorIs(t, err, errPositive)
	assert.Contains(t, err.Error(), "qps")
	assert.Contains(t, err.Error(), "burst")
}

func TestKubeconfigErrorsAtStartNameTheAuthType(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.AuthType = AuthKubeconfig
	cfg.Kubeconfig = filepath.Join(t.TempDir(), "missing")
	_, err := cfg.restConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth_type kubeconfig")

	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	cfg.AuthType = AuthServiceAccount
	_, err = cfg.restConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth_type service_account")
}
