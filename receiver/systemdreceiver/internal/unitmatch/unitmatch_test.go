package unitmatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestSetMatchesNamesAndGlobs(t *testing.T) {
	s, err := New([]string{"kubelet", "containerd.service", "tapio-*", "cri-containerd-*.scope", "kubelet.service"})
	require.NoError(t, err)
	assert.Equal(t, []string{"kubelet.service", "containerd.service", "tapio-*", "cri-containerd-*.scope"}, s.Patterns())
	assert.True(t, s.HasGlobs())
	for unit, want := range map[string]bool{
		"kubelet.service":           true,
		"kubelet.socket":            false,
		"containerd.service":        true,
		"tapio-t1.service":          true,
		"tapio-t1.timer":            true,
		"cri-containerd-abc.scope":  true,
		"cri-containerd-abc.slice":  false,
		"docker.service":            false,
		"dev-disk-by\\x2duuid.swap": false,
	} {
		assert.Equal(t, want, s.Match(unit), unit)
	}
}

func TestSetWithoutGlobs(t *testing.T) {
	s, err := New([]string{"kubelet", "docker.socket"})
	require.NoError(t, err)
	assert.False(t, s.HasGlobs())
	assert.True(t, s.Match("docker.socket"))
	assert.False(t, s.Match("docker.service"))

	var zero Set
	assert.True(t, zero.Empty())
	assert.False(t, zero.Match("kubelet.service"))
}

func TestNewRefusesBadPatterns(t *testing.T) {
	for _, p := range []string{"kube[let", ""} {
		_, err := New([]string{p})
		assert.ErrorIs(t, err, ErrBadPattern, p)
	}
}
