package unifiedeventtest

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/yairfalse/tapio/processor/unifiedeventprocessor"
)

// Bench runs the processor the factory builds, with the default config and
// every registered decoder, over rounds newRound makes: a set of batches as
// the receivers hand them on, built the way they build them (a copy would
// not do: plog's CopyTo drops the capacity rawrecord.Batch.Append reserves
// for the decoded attributes). One op is a whole round. Besides ns/op it
// reports what holds up on a shared machine: events per CPU second (the
// process's user and system time over the timed part, GC included) and
// allocations per event. Making the rounds is left out of every figure.
func Bench(b *testing.B, newRound func() []plog.Logs) {
	b.Helper()
	events, batches := 0, 0
	for _, ld := range newRound() {
		events += ld.LogRecordCount()
		batches++
	}
	factory := unifiedeventprocessor.NewFactory()
	p, err := factory.CreateLogs(b.Context(), processortest.NewNopSettings(factory.Type()), factory.CreateDefaultConfig(), consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(b.Context(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(b.Context()) }()

	const rounds = 32 // made at a time, outside the timer
	var (
		queue         []plog.Logs
		cpu, cpu0     time.Duration
		mallocs, m0   uint64
		allocd, a0    uint64
		ms            runtime.MemStats
		timedSections bool
	)
	// stop and start bracket the untimed building, so allocations and CPU
	// count only the processor's work.
	stop := func() {
		b.StopTimer()
		if timedSections {
			runtime.ReadMemStats(&ms)
			cpu += cpuTime() - cpu0
			mallocs += ms.Mallocs - m0
			allocd += ms.TotalAlloc - a0
		}
	}
	start := func() {
		timedSections = true
		runtime.ReadMemStats(&ms)
		m0, a0 = ms.Mallocs, ms.TotalAlloc
		cpu0 = cpuTime()
		b.StartTimer()
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if len(queue) == 0 {
			stop()
			for range rounds {
				queue = append(queue, newRound()...)
			}
			start()
		}
		for range batches {
			if err := p.ConsumeLogs(b.Context(), queue[len(queue)-1]); err != nil {
				b.Fatal(err)
			}
			queue = queue[:len(queue)-1]
		}
		n++
	}
	stop()
	total := float64(n * events)
	b.ReportMetric(total/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(mallocs)/total, "allocs/event")
	b.ReportMetric(float64(allocd)/total, "B/event")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
