package loadgen

import (
	"fmt"
	"time"

	"github.com/prometheus/procfs"
)

// MachineCPU is one reading of the whole machine's CPU time, from
// /proc/stat: how busy every core was, the collector and the load
// generators together. A latency tail measured on a saturated machine is
// the run queue's, not the pipeline's; this reading tells the two apart.
type MachineCPU struct {
	Busy, Total time.Duration
	CPUs        int
}

// ReadMachineCPU reads /proc/stat.
func ReadMachineCPU() (MachineCPU, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return MachineCPU{}, fmt.Errorf("read machine cpu: %w", err)
	}
	st, err := fs.Stat()
	if err != nil {
		return MachineCPU{}, fmt.Errorf("read machine cpu: %w", err)
	}
	t := st.CPUTotal
	// Guest time is already inside user and nice; idle and iowait are the
	// cores' waiting.
	idle := t.Idle + t.Iowait
	total := idle + t.User + t.Nice + t.System + t.IRQ + t.SoftIRQ + t.Steal
	return MachineCPU{
		Busy:  seconds(total - idle),
		Total: seconds(total),
		CPUs:  len(st.CPU),
	}, nil
}

// BusyPercent is how busy the machine's cores were between two readings,
// as a share of all of them: 100 means every core ran all the time.
func BusyPercent(before, after MachineCPU) float64 {
	total := after.Total - before.Total
	if total <= 0 {
		return 0
	}
	return 100 * float64(after.Busy-before.Busy) / float64(total)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
