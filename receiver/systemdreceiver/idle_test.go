package systemdreceiver

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/yairfalse/tapio/internal/systemdtest"
)

var idleWindow = flag.Duration("idle", 3*time.Second, "how long TestIdleCPU measures an idle receiver")

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// TestIdleCPU measures the CPU an idle receiver uses: signals and inotify
// wake it, nothing polls. Run with -idle=30s for the figure in the README.
// It fails only on a busy loop, far above the measured figure.
func TestIdleCPU(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	run(t, configFor(m, "kubelet", "containerd", "tapio-idle-*"), sink, nil)
	waitFollowing(t, m, sink, "tapio-idle")
	pids := journalctls(t)
	require.Len(t, pids, 1)

	self0, jctl0 := cpuTime(t, os.Getpid()), cpuTime(t, pids[0])
	start := time.Now()
	<-time.After(*idleWindow) // the measurement itself: nothing to wait for
	wall := time.Since(start)
	self, jctl := cpuTime(t, os.Getpid())-self0, cpuTime(t, pids[0])-jctl0

	share := func(d time.Duration) string { return fmt.Sprintf("%.3f%%", 100*d.Seconds()/wall.Seconds()) }
	t.Logf("idle for %s: receiver process %s CPU (%s), journalctl %s (%s)",
		wall.Round(time.Millisecond), self, share(self), jctl, share(jctl))
	require.Less(t, self.Seconds(), 0.05*wall.Seconds(), "an idle receiver must not spin")
}

// cpuTime reads a process's user plus system time from /proc.
func cpuTime(t *testing.T, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// The fields after the parenthesised command name; utime and stime
	// are the 14th and 15th of the whole line.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	require.NoError(t, err)
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	require.NoError(t, err)
	return time.Duration(utime+stime) * time.Second / clockTicks
}
