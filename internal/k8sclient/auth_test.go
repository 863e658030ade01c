package k8sclient

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: secret}
contexts:
- name: one
  context: {cluster: c, user: u}
- name: two
  context: {cluster: c, user: u, namespace: other}
current-context: one
`

func TestRESTConfigFromKubeconfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(path, []byte(kubeconfig), 0o600))
	cfg, err := RESTConfig(Auth{Type: AuthKubeconfig, Kubeconfig: path, Context: "two", QPS: 7, Burst: 9, UserAgent: "ua"})
	require.NoError(t, err)
	assert.Equal(t, "https://127.0.0.1:6443", cfg.Host)
	assert.Equal(t, "secret", cfg.BearerToken)
	assert.Equal(t, float32(7), cfg.QPS)
	assert.Equal(t, 9, cfg.Burst)
	assert.Equal(t, "ua", cfg.UserAgent)

	typed, err := Typed(cfg)
	require.NoError(t, err)
	assert.NotNil(t, typed)
}

func TestRESTConfigErrors(t *testing.T) {
	_, err := RESTConfig(Auth{Type: AuthKubeconfig, Kubeconfig: filepath.Join(t.TempDir(), "missing")})
	require.ErrorContains(t, err, "auth_type kubeconfig")

	_, err = RESTConfig(Auth{Type: AuthKubeconfig, Kubeconfig: "/dev/null", Context: "nope"})
	require.ErrorContains(t, err, "auth_type kubeconfig")

	// Outside a pod there is no mounted token.
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	_, err = RESTConfig(Auth{Type: AuthServiceAccount})
	require.ErrorContains(t, err, "outside a pod use auth_type kubeconfig")

	_, err = RESTConfig(Auth{Type: "token"})
	require.ErrorIs(t, err, ErrAuthType)
}
