package cgroupv2

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindReturnsACgroup2Mount(t *testing.T) {
	got := Find()
	if got == "" {
		t.Skip("this host mounts no cgroup v2 hierarchy at the default places")
	}
	assert.Contains(t, DefaultMounts, got)
	assert.True(t, IsMount(got), got)
}

func TestIsMountRefusesOtherFilesystems(t *testing.T) {
	assert.False(t, IsMount(t.TempDir()))
	assert.False(t, IsMount("/nonexistent/cgroup"))
}
