package cnireceiver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
)

const (
	// kindLine is the raw kind of every entry: the decoder tells the
	// plugin and format from the bytes.
	kindLine = "cni.line"
	// rawVersion is the layout of a cni.line payload: the entry's bytes
	// without the final line terminator.
	rawVersion = "1"
	// attrFilePath is the semantic-convention attribute for the file.
	attrFilePath = "log.file.path"
	// persisterScope keeps the file consumer's checkpoint keys apart from
	// any this receiver may add.
	persisterScope = "fileconsumer"
)

type cniReceiver struct {
	set       receiver.Settings
	cfg       *Config
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	split     func([]byte, bool) (int, []byte, error)
	isStart   startFunc

	// cutFiles holds the files whose last token was cut at
	// max_entry_size, to drop the rest of that entry if it arrives apart
	// (see remainder). One file's tokens come in order from one
	// goroutine; different files' concurrently, hence the lock.
	cutMu    sync.Mutex
	cutFiles map[string]bool

	emitter *rawrecord.Emitter
	manager *fileconsumer.Manager
	client  storage.Client
	// ledger is set with a storage extension only.
	ledger *ledger

	// mu is held while a batch is handed downstream, and by Shutdown
	// to set stopping. See deliver for why.
	mu       sync.Mutex
	stopping bool
	stopped  chan struct{}
	stopOnce sync.Once
	// rejected tallies entries refused for good and not yet reported in
	// a loss record. Guarded by mu.
	rejected rawrecord.Rejections
}

func newCNIReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*cniReceiver, error) {
	split, isStart, err := newSplitFunc(cfg.Multiline.LineStartPattern, int(cfg.MaxEntrySize)+entryMargin)
	if err != nil {
		return nil, fmt.Errorf("multiline.line_start_pattern: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	return &cniReceiver{
		set:       set,
		cfg:       cfg,
		next:      next,
		telemetry: tb,
		split:     split,
		isStart:   isStart,
		cutFiles:  make(map[string]bool),
		stopped:   make(chan struct{}),
	}, nil
}

// Start begins tailing. Files that do not exist yet are picked up when they
// appear; Start fails only on a configuration the file consumer refuses or
// a storage extension that cannot be reached.
func (r *cniReceiver) Start(ctx context.Context, host component.Host) error {
	identity, err := rawrecord.DetectIdentity(r.cfg.NodeName)
	if err != nil {
		return err
	}
	r.emitter = rawrecord.NewEmitter(rawrecord.SourceCNI, rawVersion, identity, metadata.ScopeName, r.set.BuildInfo.Version)

	manager, err := r.cfg.consumerConfig().Build(r.set.TelemetrySettings, r.emit, fileconsumer.WithSplitFunc(r.split))
	if err != nil {
		return fmt.Errorf("tapio_cni: build file consumer: %w", err)
	}
	var persister operator.Persister
	if r.cfg.StorageID != nil {
		client, err := storageClient(ctx, host, *r.cfg.StorageID, r.set.ID)
		if err != nil {
			return fmt.Errorf("tapio_cni: storage: %w", err)
		}
		r.client = client
		persister = operator.NewScopedPersister(persisterScope, client)
		r.ledger = newLedger()
		if err := r.ledger.load(ctx, client); err != nil {
			r.set.Logger.Warn("delivered marks unreadable; a batch delivered just before the last stop may repeat", zap.Error(err))
		}
	}
	// With a checkpoint the file consumer resumes from it and start_at no
	// longer applies; without, it starts per start_at.
	if err := manager.Start(persister); err != nil {
		return fmt.Errorf("tapio_cni: start file consumer: %w", err)
	}
	r.manager = manager
	return nil
}

// Shutdown stops reading, saves the offsets of everything delivered and
// closes the storage client. It is safe before Start and twice.
func (r *cniReceiver) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
	r.stopOnce.Do(func() { close(r.stopped) })

	var errs []error
	if r.manager != nil {
		errs = append(errs, r.manager.Stop())
		r.manager = nil
	}
	if r.client != nil {
		errs = append(errs, r.ledger.save(ctx, r.client), r.client.Close(ctx))
		r.client = nil
	}
	r.telemetry.Shutdown()
	return errors.Join(errs...)
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
	return se.GetClient(ctx, component.KindReceiver, self, "")
}

// emit is the file consumer's callback for up to 100 entries of one file.
// The tokens are only valid during the call.
// offsets[i+1] is where token i ends in the file.
func (r *cniReceiver) emit(ctx context.Context, tokens [][]byte, fileAttrs map[string]any, _ int64, offsets []int64) error {
	path, _ := fileAttrs[attrs.LogFilePath].(string)
	if r.ledger != nil {
		n := r.ledger.skip(path, tokens, offsets)
		tokens, offsets = tokens[n:], offsets[n:]
	}
	if len(tokens) == 0 || len(offsets) <= len(tokens) {
		return nil
	}
	end, last := offsets[len(tokens)], tokens[len(tokens)-1]
	onDelivered := func() {
		if r.ledger != nil {
			r.ledger.delivered(path, end, last)
		}
	}
	limit := int(r.cfg.MaxEntrySize)
	tokens = r.dropRemainders(path, tokens, limit)
	build := func() (plog.Logs, batchStats) {
		var st batchStats
		b := r.emitter.NewBatch()
		for _, tok := range tokens {
			body, cut := entryBody(tok, limit)
			if len(body) == 0 {
				// A blank line between entries says nothing.
				continue
			}
			lr := b.Append(kindLine, body, time.Time{})
			lr.Attributes().PutStr(attrFilePath, path)
			st.entries++
			st.bytes += int64(len(body))
			if cut {
				st.truncated++
			}
		}
		return b.Logs(), st
	}
	return r.deliver(ctx, build, onDelivered)
}

// dropRemainders removes the rest of an entry cut in an earlier token of
// the same file, and remembers whether this batch ends in a cut.
func (r *cniReceiver) dropRemainders(path string, tokens [][]byte, limit int) [][]byte {
	r.cutMu.Lock()
	defer r.cutMu.Unlock()
	cutting := r.cutFiles[path]
	// Filtered in place: the slice is ours until emit returns.
	kept := tokens[:0]
	for _, tok := range tokens {
		if cutting && remainder(r.isStart, tok) {
			continue
		}
		_, cutting = entryBody(tok, limit)
		kept = append(kept, tok)
	}
	if cutting {
		r.cutFiles[path] = true
	} else {
		delete(r.cutFiles, path)
	}
	return kept
}

type batchStats struct {
	entries, bytes, truncated int64
}
