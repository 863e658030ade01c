package loadgen

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A core spun on purpose must show in the machine's busy share: at least
// half of one core's worth, whatever else the machine does.
func TestBusyPercentSeesASpinningCore(t *testing.T) {
	before, err := ReadMachineCPU()
	require.NoError(t, err)
	require.Positive(t, before.CPUs)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	for ctx.Err() == nil {
		runtime.Gosched()
	}
	after, err := ReadMachineCPU()
	require.NoError(t, err)

	busy := BusyPercent(before, after)
	require.GreaterOrEqual(t, busy, 50.0/float64(before.CPUs), "one core spun for 0.5 s")
	require.LessOrEqual(t, busy, 100.0)
}

func TestBusyPercentOfNoTimeIsZero(t *testing.T) {
	m := MachineCPU{Busy: time.Second, Total: 2 * time.Second, CPUs: 2}
	require.Zero(t, BusyPercent(m, m))
}
