package systemdreceiver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadata"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
)

// Raw kinds and the payload layout version this receiver writes.
const (
	kindUnitState    = "unit.state"
	kindJournalEntry = "journal.entry"
	rawVersion       = "1"
)

type systemdReceiver struct {
	set       receiver.Settings
	cfg       *Config
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	watch     unitmatch.Set

	emitter *rawrecord.Emitter
	client  storage.Client
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// readUnit and readJournal are the events.read attribute sets, built
	// once rather than per record.
	readUnit, readJournal metric.MeasurementOption
}

func newSystemdReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*systemdReceiver, error) {
	watch, err := unitmatch.New(cfg.Units)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	return &systemdReceiver{
		set:         set,
		cfg:         cfg,
		next:        next,
		telemetry:   tb,
		watch:       watch,
		readUnit:    kindAttr(kindUnitState),
		readJournal: kindAttr(kindJournalEntry),
	}, nil
}

func kindAttr(kind string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", kind)))
}

// Start begins watching. Neither the bus nor journalctl has to be there
// yet: both are retried in the background, since a node agent may start
// before them. Start fails only on a storage extension it cannot use.
func (r *systemdReceiver) Start(ctx context.Context, host component.Host) error {
	identity, err := rawrecord.DetectIdentity(r.cfg.NodeName)
	if err != nil {
		return err
	}
	r.emitter = rawrecord.NewEmitter(rawrecord.SourceSystemd, rawVersion, identity,
		metadata.ScopeName, r.set.BuildInfo.Version)

	var cursor string
	if r.cfg.StorageID != nil && r.cfg.Journal.Enabled {
		r.client, err = storageClient(ctx, host, *r.cfg.StorageID, r.set.ID)
		if err != nil {
			return fmt.Errorf("tapio_systemd: storage: %w", err)
		}
		if cursor, err = r.loadCursor(ctx); err != nil {
			return fmt.Errorf("tapio_systemd: storage: %w", err)
		}
	}

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.busLoop(runCtx)
	}()
	if r.cfg.Journal.Enabled {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.journalLoop(runCtx, cursor)
		}()
	}
	return nil
}

// Shutdown stops both loops (and journalctl) and closes the storage
// client. It is safe before Start and twice.
func (r *systemdReceiver) Shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	r.cancel = nil
	var err error
	if r.client != nil {
		err = r.client.Close(ctx)
		r.client = nil
	}
	r.telemetry.Shutdown()
	return err
}

// retry paces the hand-off of a batch the next consumer refused. While it
// waits nothing more is read: journalctl blocks on its full pipe while the
// journal keeps what is written meanwhile, and D-Bus signals wait in the
// signal queue, whose overflow is counted and reported (signalQueueLimit).
var retry = rawrecord.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second}

// deliver hands the batch of p on, retrying while the next consumer pushes
// back; each try hands on a batch built again from p, as read. Each try
// runs without ctx, so what was read before Shutdown gets its tries; ctx
// ends the waiting between them. A batch refused for good, or still
// refused when the receiver stops, is dropped: counted, and reported by a
// loss record in the next batch of rej's loop (each loop has its own, so
// one kind's batches report its own losses). deliver returns the refusal
// that dropped the batch, or nil.
func (r *systemdReceiver) deliver(ctx context.Context, p *rawrecord.Pending, kind string, rej *rawrecord.Rejections) error {
	if p.Len() == 0 {
		return nil
	}
	// The records of kind: a loss record the batch carries is not one.
	n := 0
	for _, k := range p.Kinds() {
		if k == kind {
			n++
		}
	}
	if l, ok := rej.Loss(kind); ok {
		if err := p.AppendLoss(l); err != nil {
			r.set.Logger.Error("encode loss record", zap.Error(err))
		}
	}
	err := retry.Deliver(ctx, r.next, func() plog.Logs { return r.emitter.Build(p) }, func(err error, wait time.Duration) {
		r.set.Logger.Warn("next consumer refused systemd records; not reading until it takes them",
			zap.String("kind", kind), zap.Int("records", n), zap.Duration("retry_in", wait), zap.Error(err))
	})
	if err == nil {
		rej.Reported()
		return nil
	}
	r.set.Logger.Error("next consumer refused systemd records; they are lost",
		zap.String("kind", kind), zap.Int("records", n), zap.Error(err))
	r.telemetry.TapioSystemdEventsDropped.Add(context.Background(), int64(n), metric.WithAttributes(
		attribute.String("kind", kind), attribute.String("reason", rawrecord.LossConsumerRejected)))
	rej.Add(n)
	return err
}

// backoff doubles a wait from the initial to the maximum interval.
type backoff struct {
	cfg BackoffConfig
	cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.cfg.InitialInterval
	} else {
		b.cur = min(2*b.cur, b.cfg.MaxInterval)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d, or less if ctx ends; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// storageClient gets this receiver's client from the named extension.
func storageClient(ctx context.Context, host component.Host, id, self component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("extension %s not found", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("extension %s is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, self, "")
	if err != nil {
		return nil, fmt.Errorf("get client of %s: %w", id, err)
	}
	return client, nil
}

// cursorKey is where the journal cursor is kept in the receiver's storage.
const cursorKey = "journal.cursor"

func (r *systemdReceiver) loadCursor(ctx context.Context) (string, error) {
	b, err := r.client.Get(ctx, cursorKey)
	if err != nil {
		return "", fmt.Errorf("read journal cursor: %w", err)
	}
	return string(b), nil
}

func (r *systemdReceiver) saveCursor(cursor string) {
	if r.client == nil || cursor == "" {
		return
	}
	if err := r.client.Set(context.Background(), cursorKey, []byte(cursor)); err != nil {
		r.set.Logger.Warn("journal cursor not saved; a restart may repeat entries", zap.Error(err))
	}
}
