package e2e

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// milliCPU is a CPU quantity flag ("100m", "1", "1.5") in millicores; 0
// when empty.
func milliCPU(b *testing.B, flagName, v string) int64 {
	b.Helper()
	if v == "" {
		return 0
	}
	q, err := resource.ParseQuantity(v)
	require.NoError(b, err, "-%s", flagName)
	require.Positive(b, q.MilliValue(), "-%s must be above 0", flagName)
	return q.MilliValue()
}

// joinWorkloadCgroup puts the benchmark's process, and so everything it
// starts from then on, in one CPU cgroup weighted by
// -load.workload-cpu-request: the node's workloads as one pod. The
// process leaves it when the benchmark ends, so it can be removed.
func joinWorkloadCgroup(b *testing.B) {
	b.Helper()
	request := milliCPU(b, "load.workload-cpu-request", *workloadCPURequest)
	if request == 0 {
		return
	}
	cg, err := loadgen.NewCPUCgroup(request, 0)
	require.NoError(b, err)
	b.Cleanup(func() {
		if err := cg.Leave(os.Getpid()); err != nil {
			b.Error(err)
		}
		if err := cg.Remove(); err != nil {
			b.Error(err)
		}
	})
	require.NoError(b, cg.Join(os.Getpid()))
	b.Logf("the benchmark and what it starts run in %s (request %dm)", cg.Dir, request)
}

// agentCgroup is a CPU cgroup for one run's collector, weighted by
// -load.agent-cpu-request and limited by -load.agent-cpu-limit, removed
// after the collector stops (register it before the collector's stop);
// nil without a request.
func agentCgroup(b *testing.B) *loadgen.CPUCgroup {
	b.Helper()
	request := milliCPU(b, "load.agent-cpu-request", *agentCPURequest)
	limit := milliCPU(b, "load.agent-cpu-limit", *agentCPULimit)
	if request == 0 {
		require.Zero(b, limit, "-load.agent-cpu-limit needs -load.agent-cpu-request")
		return nil
	}
	cg, err := loadgen.NewCPUCgroup(request, limit)
	require.NoError(b, err)
	b.Cleanup(func() {
		if err := cg.Remove(); err != nil {
			b.Error(err)
		}
	})
	return cg
}

// startHogs saturates the node for one rate's load: -load.hogs processes
// that only spin, in a CPU cgroup of their own weighted by
// -load.hog-cpu-request, as busy workload pods beside the agent and the
// benchmark. In their own cgroup they take what the other cgroups leave
// (the benchmark's sinks and API server keep their weight) instead of
// competing thread by thread with the harness, which starved it. The
// returned func stops them and removes the cgroup; calls after the first
// do nothing.
func startHogs(b *testing.B) (stop func()) {
	b.Helper()
	request := milliCPU(b, "load.hog-cpu-request", *hogCPURequest)
	if *loadHogs == 0 {
		require.Zero(b, request, "-load.hog-cpu-request needs -load.hogs")
		return func() {}
	}
	require.Positive(b, request, "-load.hogs needs -load.hog-cpu-request")
	cg, err := loadgen.NewCPUCgroup(request, 0)
	require.NoError(b, err)
	var hogs []*exec.Cmd
	var once sync.Once
	halt := func() {
		for _, h := range hogs {
			_ = h.Process.Kill()
			// Killed is how a hog ends; anything else is an error.
			var exitErr *exec.ExitError
			if err := h.Wait(); err != nil && !errors.As(err, &exitErr) {
				b.Error(err)
			}
		}
		hogs = nil
		if err := cg.Remove(); err != nil {
			b.Error(err)
		}
	}
	stop = func() { once.Do(halt) }
	for range *loadHogs {
		h := exec.Command("/bin/sh", "-c", "while :; do :; done")
		if err := h.Start(); err != nil {
			stop()
			require.NoError(b, err)
		}
		hogs = append(hogs, h)
		if err := cg.Join(h.Process.Pid); err != nil {
			stop()
			require.NoError(b, err)
		}
	}
	return stop
}
