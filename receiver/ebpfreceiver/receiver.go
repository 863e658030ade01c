package ebpfreceiver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver/internal/metadata"
)

// kindUnknown labels samples whose header cannot be read; they are still
// emitted, so the decoder reports them and nothing vanishes here.
const kindUnknown = "unknown"

// retry paces the hand-off of a batch the next consumer refused. While it
// waits nothing is read: the ring buffer holds what comes, for a few
// seconds at 10,000 events/s in the default 4 MiB, and what it has no room
// for the kernel counts as lost, keeping OOM kills in its reserve ring.
// So it retries sooner than a file reader would, at most every half
// second.
var retry = rawrecord.Backoff{Min: 10 * time.Millisecond, Max: 500 * time.Millisecond}

type ebpfReceiver struct {
	set       receiver.Settings
	cfg       *Config
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder

	probe   *ebpf.Probe
	clock   *ebpf.BootTimeOffset
	emitter *rawrecord.Emitter
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// kindAttrs are the per-kind metric attribute sets, built once so the
	// read loop does not allocate them per event.
	kindAttrs [wire.TypeMax + 1]metric.MeasurementOption
	// dropped counts, per type, samples read and then refused for good by
	// the next consumer; the loss loop reports them in-stream.
	dropped [wire.TypeMax + 1]atomic.Uint64
}

func newEBPFReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*ebpfReceiver, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	r := &ebpfReceiver{
		set:       set,
		cfg:       cfg,
		next:      next,
		telemetry: tb,
	}
	for t := range r.kindAttrs {
		r.kindAttrs[t] = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", kindOf(wire.Type(t)))))
	}
	return r, nil
}

func kindOf(t wire.Type) string {
	if k := wire.Kind(t); k != "" {
		return k
	}
	return kindUnknown
}

// Start loads and attaches the BPF program and starts reading. Hooks the
// kernel refuses are disabled with a warning; Start fails only when none
// can run, with the reason in one sentence.
func (r *ebpfReceiver) Start(_ context.Context, _ component.Host) error {
	identity, err := rawrecord.DetectIdentity(r.cfg.NodeName)
	if err != nil {
		return err
	}
	probe, err := ebpf.Open(r.cfg.probeConfig())
	if err != nil {
		return fmt.Errorf("tapio_ebpf: %w", err)
	}
	r.probe = probe
	r.clock = ebpf.NewBootTimeOffset()
	r.emitter = rawrecord.NewEmitter(rawrecord.SourceEBPF, strconv.Itoa(wire.Version), identity,
		metadata.ScopeName, r.set.BuildInfo.Version)

	for _, h := range probe.Hooks() {
		if h.Attached {
			r.set.Logger.Debug("kernel hook attached", zap.String("hook", h.Name))
			continue
		}
		if h.Err != nil {
			r.set.Logger.Warn("kernel hook disabled; its events will be missing", zap.String("hook", h.Name), zap.Error(h.Err))
			r.telemetry.TapioEbpfHooksDisabled.Add(context.Background(), 1,
				metric.WithAttributes(attribute.String("hook", h.Name)))
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		r.readLoop(ctx)
	}()
	go func() {
		defer r.wg.Done()
		r.lossLoop(ctx)
	}()
	return nil
}

// Shutdown detaches every hook and stops both loops. It is safe before
// Start and twice.
func (r *ebpfReceiver) Shutdown(context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	var err error
	if r.probe != nil {
		// Closing the probe closes the ring buffer reader, which unblocks
		// the read loop; the loops may still use the probe until then.
		err = r.probe.Close()
	}
	r.wg.Wait()
	r.probe, r.cancel = nil, nil
	return err
}

// readLoop moves samples from the ring buffer into raw records. A batch is
// handed on when it is full, or at batchDeadline: under load records
// travel in large batches, and when it is quiet one record waits at most
// max_batch_delay.
func (r *ebpfReceiver) readLoop(ctx context.Context) {
	reader := r.probe.Reader()
	var rec ebpf.Record
	var counts [wire.TypeMax + 1]int64
	// read holds the samples of the batch being gathered, as read: the
	// batch is built from it when handed on, and again for each retry.
	var read rawrecord.Pending
	var lastFlush time.Time

	flush := func() {
		reader.SetDeadline(time.Time{})
		if read.Len() == 0 {
			return
		}
		lastFlush = time.Now()
		for t, n := range counts {
			if n > 0 {
				r.telemetry.TapioEbpfEventsRead.Add(ctx, n, r.kindAttrs[t])
				counts[t] = 0
			}
		}
		used, _ := r.probe.RingFill()
		r.telemetry.TapioEbpfRingBufferFill.Record(ctx, int64(used))
		r.deliver(ctx, &read)
		read.Reset()
	}

	for {
		err := reader.ReadInto(&rec)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			flush()
			continue
		case errors.Is(err, os.ErrClosed), errors.Is(err, ebpf.ErrClosed):
			flush()
			return
		case err != nil:
			r.set.Logger.Error("ring buffer read failed", zap.Error(err))
			if ctx.Err() != nil {
				flush()
				return
			}
			continue
		}
		t := r.appendSample(&read, rec.RawSample)
		counts[t]++
		switch {
		case read.Len() >= r.cfg.MaxBatchSize:
			flush()
		case read.Len() == 1:
			reader.SetDeadline(r.batchDeadline(time.Now(), lastFlush))
		}
	}
}

// deliver hands the batch of read on, retrying while the next consumer
// pushes back; each try hands on a batch built again from read. A batch
// refused for good, or still refused when the receiver stops (records
// read before Shutdown get their tries), is dropped: counted per kind,
// and reported in-stream by the loss loop.
func (r *ebpfReceiver) deliver(ctx context.Context, read *rawrecord.Pending) {
	build := func() plog.Logs { return r.emitter.Build(read) }
	err := retry.Deliver(ctx, r.next, build, func(err error, wait time.Duration) {
		r.set.Logger.Warn("next consumer refused eBPF records; not reading until it takes them",
			zap.Int("records", read.Len()), zap.Duration("retry_in", wait), zap.Error(err))
	})
	if err == nil {
		return
	}
	r.set.Logger.Error("next consumer refused eBPF records; they are lost", zap.Int("records", read.Len()), zap.Error(err))
	var perType [wire.TypeMax + 1]int64
	for _, kind := range read.Kinds() {
		perType[typeOfKind(kind)]++
	}
	for t, n := range perType {
		if n > 0 {
			r.dropped[t].Add(uint64(n))
			r.telemetry.TapioEbpfEventsDropped.Add(context.Background(), n, r.kindAttrs[t])
		}
	}
}

// batchDeadline is when a batch whose first record was read at now is
// handed on: max_batch_delay later, but no sooner than read_interval plus
// max_batch_delay after the previous hand-off. A batched reader already
// keeps that spacing (it looks every read_interval, then waits the
// delay); a reader the kernel wakes per sample did not, and at a few
// hundred events a second handed on a batch of two or three records every
// few milliseconds, each paying the pipeline's fixed cost per call. The
// spacing keeps the documented bound: a record waits at most
// read_interval plus max_batch_delay.
func (r *ebpfReceiver) batchDeadline(now, lastFlush time.Time) time.Time {
	d := now.Add(r.cfg.MaxBatchDelay)
	if spaced := lastFlush.Add(r.cfg.ReadInterval + r.cfg.MaxBatchDelay); spaced.After(d) {
		return spaced
	}
	return d
}

// appendSample adds one ring-buffer sample to read as a raw record, and
// returns its type (TypeMax for one whose header cannot be read).
func (r *ebpfReceiver) appendSample(read *rawrecord.Pending, sample []byte) wire.Type {
	hdr, err := wire.ParseHeader(sample)
	if err != nil || wire.Kind(hdr.Type) == "" {
		r.telemetry.TapioEbpfEventsMalformed.Add(context.Background(), 1)
		read.Append(kindUnknown, sample, time.Time{})
		return wire.TypeMax
	}
	read.Append(wire.Kind(hdr.Type), sample, r.clock.ToWallClock(hdr.TsNs))
	return hdr.Type
}
