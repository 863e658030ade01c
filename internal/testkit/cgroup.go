package testkit

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// CgroupV2Path is pid's path in the cgroup v2 hierarchy, as the 0:: line
// of /proc/<pid>/cgroup gives it (relative to the v2 mount, leading
// slash). It fails the test when the process has no v2 line.
func CgroupV2Path(tb testing.TB, pid int) string {
	tb.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	require.NoError(tb, err)
	for line := range strings.Lines(string(data)) {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return strings.TrimSpace(path)
		}
	}
	tb.Fatalf("no cgroup v2 line in /proc/%d/cgroup:\n%s", pid, data)
	return ""
}
