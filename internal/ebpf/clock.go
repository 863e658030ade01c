package ebpf

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// resampleEvery bounds how stale the offset may get. CLOCK_BOOTTIME never
// jumps, but CLOCK_REALTIME does when NTP steps it or an operator sets the
// clock; a minute keeps event times within a minute of such a step at the
// cost of three clock reads a minute.
const resampleEvery = time.Minute

// BootTimeOffset converts the kernel's CLOCK_BOOTTIME stamps to wall-clock
// time. It is safe for concurrent use.
type BootTimeOffset struct {
	offset  atomic.Int64 // realtime - boottime, ns
	sampled atomic.Int64 // boottime of the last sample, ns
}

// NewBootTimeOffset samples the offset once.
func NewBootTimeOffset() *BootTimeOffset {
	b := &BootTimeOffset{}
	b.Resample()
	return b
}

// Resample measures realtime - boottime again. Boottime is read between two
// realtime reads and compared with their midpoint; the narrowest of three
// tries wins, so a preemption during one read does not skew the result.
func (b *BootTimeOffset) Resample() {
	best, bestWindow, boot := int64(0), int64(-1), int64(0)
	for range 3 {
		r1 := clockNs(unix.CLOCK_REALTIME)
		bt := clockNs(unix.CLOCK_BOOTTIME)
		r2 := clockNs(unix.CLOCK_REALTIME)
		if w := r2 - r1; bestWindow < 0 || w < bestWindow {
			bestWindow, best, boot = w, r1+w/2-bt, bt
		}
	}
	b.offset.Store(best)
	b.sampled.Store(boot)
}

// ToWallClock converts a CLOCK_BOOTTIME stamp in ns to wall-clock time,
// resampling the offset first when the stamp is a minute past the last
// sample.
func (b *BootTimeOffset) ToWallClock(ts uint64) time.Time {
	if int64(ts)-b.sampled.Load() > int64(resampleEvery) {
		b.Resample()
	}
	return time.Unix(0, int64(ts)+b.offset.Load())
}

func clockNs(id int32) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
