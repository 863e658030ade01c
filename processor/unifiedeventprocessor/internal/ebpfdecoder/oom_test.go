package ebpfdecoder_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func javaOOM() oomSample {
	// 256 MiB of rss in this host's pages, split over the three counters.
	pages := uint64(256<<20) / uint64(os.Getpagesize())
	return oomSample{
		hdr:          hdr{cgroup: 9001, pid: 813, tid: 813, comm: "java"},
		memcg:        4711,
		victimCgroup: 9001,
		totalVM:      pages * 4,
		anon:         pages / 2,
		file:         pages / 4,
		shmem:        pages / 4,
		victimPID:    812,
		scoreAdj:     -997,
		victimComm:   "java",
	}
}

func TestOOMKill(t *testing.T) {
	ev := mustDecode(t, "oom.kill", javaOOM().bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name:         unifiedevent.NameOOMKill,
		Severity:     plog.SeverityNumberError,
		SeverityText: "ERROR",
		Message:      "oom-kill: java (pid 812) in memcg 4711, rss 256.0 MiB; triggered by pid 813 (java)",
		Process:      &unifiedevent.Process{PID: 812, ExecutableName: "java"},
		Kernel: &unifiedevent.Kernel{
			CgroupID: 9001,
			Signal:   9,
			OOM:      &unifiedevent.OOM{MemoryCgroup: "4711", RSSBytes: 256 << 20, ScoreAdj: -997},
		},
	}, ev)
}

// Without the memory controller's id (a kernel without it) the memcg is
// unknown, not "0".
func TestOOMKillWithoutMemcg(t *testing.T) {
	s := javaOOM()
	s.memcg = 0
	ev := mustDecode(t, "oom.kill", s.bytes())
	assert.Empty(t, ev.Kernel.OOM.MemoryCgroup)
	assert.Equal(t, "oom-kill: java (pid 812), rss 256.0 MiB; triggered by pid 813 (java)", ev.Message)
}
