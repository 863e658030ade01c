package ebpf

import (
	"fmt"
	"io"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// ProgramStats is the kernel's run-time accounting of one program.
type ProgramStats struct {
	Program  string
	RunTime  time.Duration
	RunCount uint64
}

// PerRun is the average kernel time per run, 0 before the first run.
func (s ProgramStats) PerRun() time.Duration {
	if s.RunCount == 0 {
		return 0
	}
	return s.RunTime / time.Duration(s.RunCount)
}

// EnableRunStats turns on the kernel's BPF run-time accounting until the
// returned Closer is closed. It costs two clock reads per program run, so
// it is for benchmarks and debugging, not for production.
func EnableRunStats() (io.Closer, error) {
	c, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		return nil, fmt.Errorf("enable BPF run-time stats: %w", err)
	}
	return c, nil
}

// ProgramStats returns the run-time stats of every attached program.
func (p *Probe) ProgramStats() ([]ProgramStats, error) {
	out := make([]ProgramStats, 0, len(p.progs))
	for _, prog := range p.progs {
		st, err := prog.Stats()
		if err != nil {
			return nil, fmt.Errorf("read stats: %w", err)
		}
		info, err := prog.Info()
		if err != nil {
			return nil, fmt.Errorf("read program info: %w", err)
		}
		out = append(out, ProgramStats{Program: info.Name, RunTime: st.Runtime, RunCount: st.RunCount})
	}
	return out, nil
}
