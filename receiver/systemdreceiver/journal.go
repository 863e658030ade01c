package systemdreceiver

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/journal"
)

// Why journalctl was started again, as the journal.restarts reason.
const (
	restartExited        = "exited"
	restartStartFailed   = "start_failed"
	restartCursorInvalid = "cursor_invalid"
)

// journalLoop follows the journal until ctx ends. When journalctl stops it
// is started again with backoff, resuming after the last entry read: the
// journal keeps what was written meanwhile, so a restart loses nothing.
func (r *systemdReceiver) journalLoop(ctx context.Context, cursor string) {
	opts := r.journalOptions()
	bo := backoff{cfg: r.cfg.Reconnect}
	// What the consumer refused for good, reported by a loss record in a
	// later batch, also after journalctl restarts.
	var rej rawrecord.Rejections
	reasons := map[string]metric.MeasurementOption{}
	for _, reason := range []string{restartExited, restartStartFailed, restartCursorInvalid} {
		reasons[reason] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason)))
	}
	for {
		opts.Cursor = cursor
		var read int
		var err error
		cursor, read, err = r.followJournal(ctx, opts, &rej)
		if ctx.Err() != nil {
			return
		}
		reason := restartExited
		switch {
		case errors.Is(err, journal.ErrStart):
			reason = restartStartFailed
		case errors.Is(err, journal.ErrCursor):
			// A cursor from another journal (the collector moved, the
			// journal was wiped): start at the end rather than never.
			reason, cursor = restartCursorInvalid, ""
		}
		if read > 0 {
			bo.reset()
		}
		wait := bo.next()
		r.telemetry.TapioSystemdJournalRestarts.Add(ctx, 1, reasons[reason])
		r.set.Logger.Warn("journalctl stopped; restarting", zap.String("reason", reason),
			zap.Duration("retry_in", wait), zap.Error(err))
		if !sleep(ctx, wait) {
			return
		}
	}
}

func (r *systemdReceiver) journalOptions() journal.Options {
	prio, _ := r.cfg.Journal.maxPriority() // Validate has checked it
	o := journal.Options{
		Path:        r.cfg.Journal.JournalctlPath,
		Directory:   r.cfg.Journal.Directory,
		Root:        r.cfg.Journal.Root,
		MaxPriority: prio,
		Beginning:   r.cfg.Journal.StartAt == "beginning",
	}
	// Exact names are filtered by journalctl, which then skips the rest
	// of the journal cheaply; globs are matched here, since journalctl
	// would expand them only once, against the units known at its start.
	if !r.watch.HasGlobs() {
		o.Units = r.watch.Patterns()
	}
	return o
}

// followJournal runs journalctl once. It returns the cursor to resume
// after, how many entries it read, and why journalctl stopped.
func (r *systemdReceiver) followJournal(ctx context.Context, opts journal.Options, rej *rawrecord.Rejections) (string, int, error) {
	var peeker journal.Peeker
	cursor, saved := opts.Cursor, opts.Cursor
	var pending rawrecord.Pending
	var newest time.Time
	read := 0
	// held is set once a batch was still refused when the receiver
	// stopped: the cursor is saved no further.
	held := false
	flush := func() {
		if held {
			return
		}
		if pending.Len() > 0 {
			r.telemetry.TapioSystemdEventsRead.Add(context.Background(), int64(pending.Len()), r.readJournal)
			if !newest.IsZero() {
				r.telemetry.TapioSystemdJournalLag.Record(context.Background(), time.Since(newest).Milliseconds())
			}
			err := r.deliver(ctx, &pending, kindJournalEntry, rej)
			pending.Reset()
			if err != nil && !consumererror.IsPermanent(err) {
				// Still refused when the receiver stopped: the saved
				// cursor stays before these entries, so a restart with
				// storage reads them again from the journal.
				held = true
				return
			}
		}
		// After the hand-off: a crash before it repeats the batch rather
		// than skipping it.
		if cursor != saved {
			r.saveCursor(cursor)
			saved = cursor
		}
	}
	err := journal.Follow(ctx, opts, func(line []byte, more bool) error {
		read++
		e, err := peeker.Peek(line)
		if err != nil {
			r.telemetry.TapioSystemdEventsDropped.Add(context.Background(), 1, metric.WithAttributes(
				attribute.String("kind", kindJournalEntry), attribute.String("reason", "unreadable")))
			r.set.Logger.Debug("journal line skipped", zap.Error(err))
		} else {
			cursor = e.Cursor
			if r.journalWatched(&e) {
				pending.Append(kindJournalEntry, line, e.Time)
				newest = e.Time
			}
		}
		if !more || pending.Len() >= r.cfg.Journal.MaxBatchSize {
			flush()
		}
		return nil
	})
	flush()
	return cursor, read, err
}

// journalWatched tells whether an entry belongs to a watched unit. With
// exact names journalctl has already filtered.
func (r *systemdReceiver) journalWatched(e *journal.Entry) bool {
	if !r.watch.HasGlobs() {
		return true
	}
	for _, u := range e.Units {
		if u != "" && r.watch.Match(u) {
			return true
		}
	}
	return false
}
