package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Op performs one unit of load (one exec, one connect, one query, one
// line); worker is the calling worker's index, seq a number unique within
// the run, so each operation can leave a mark of its own.
type Op func(worker int, seq uint64) error

// Tally counts what one driven load did.
type Tally struct {
	Name string
	// Issued operations were due by the schedule; Done succeeded and
	// Failed returned an error. Behind were due but could not start
	// because every worker was busy: the producer's own limit, not the
	// collector's.
	Issued, Done, Failed, Behind uint64
	Elapsed                      time.Duration
	// FirstErr is the first error an operation returned, for the report.
	FirstErr error
}

// Rate is the operations per second that succeeded.
func (t Tally) Rate() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Done) / t.Elapsed.Seconds()
}

// Drive runs op at rate per second (0: as fast as the workers go) on
// workers goroutines for d, or until ctx ends. The schedule is checked
// every millisecond and what is due is handed out at once, so the rate
// holds over any window longer than a few milliseconds without a timer
// per operation.
func Drive(ctx context.Context, name string, rate float64, workers int, d time.Duration, op Op) Tally {
	// The run's clock and its deadline start together, so Elapsed is never
	// shorter than d when the deadline ended the run.
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(d))
	defer cancel()
	t := Tally{Name: name}
	var done, failed, late atomic.Uint64
	var errOnce sync.Once
	// A queue of one second at most: a stall longer than that counts as
	// behind instead of piling up work to burst out later.
	queue := make(chan uint64, max(1, min(int(rate), 1<<16)))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range queue {
				// Work still queued when the time is up was not done in
				// time: it counts as behind, and the run ends on time.
				if ctx.Err() != nil {
					late.Add(1)
					continue
				}
				if err := op(w, seq); err != nil {
					failed.Add(1)
					errOnce.Do(func() { t.FirstErr = err })
					continue
				}
				done.Add(1)
			}
		}()
	}
	var seq uint64
	if rate <= 0 {
	unpaced:
		for {
			select {
			case <-ctx.Done():
				break unpaced
			case queue <- seq:
				seq++
			}
		}
		t.Issued = seq
	} else {
		tick := time.NewTicker(time.Millisecond)
	paced:
		for {
			select {
			case <-ctx.Done():
				break paced
			case now := <-tick.C:
				due := uint64(rate * now.Sub(start).Seconds())
				for ; seq < due; seq++ {
					select {
					case queue <- seq:
					default:
						t.Behind++
					}
				}
			}
		}
		tick.Stop()
		t.Issued = seq
	}
	close(queue)
	wg.Wait()
	t.Elapsed = time.Since(start)
	t.Done, t.Failed = done.Load(), failed.Load()
	t.Behind += late.Load()
	return t
}
