package systemdreceiver

import (
	"context"
	"encoding/json"
	"time"

	"github.com/godbus/dbus/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitwatch"
)

// Why unit changes went missing, as loss reasons.
const (
	// lossBusDisconnected: the bus was gone (or never reached) for the
	// loss window; the count is the watched units found changed after it.
	lossBusDisconnected = "bus_disconnected"
	// lossSignalQueueFull: signals arrived faster than they were read.
	lossSignalQueueFull = "signal_queue_full"
)

// signalQueueLimit bounds the signals waiting to be read. systemd sends
// two per unit change; this absorbs a node-wide burst (every pod's mounts
// and scopes at once) without a gap.
const signalQueueLimit = 16384

// busLoop connects, snapshots and follows signals until ctx ends. A lost
// bus is reconnected with backoff and reported as a gap, followed by a
// fresh snapshot; the loop never ends on its own.
func (r *systemdReceiver) busLoop(ctx context.Context) {
	tracker := unitwatch.NewTracker(r.watch, r.cfg.IncludeFailed)
	bo := backoff{cfg: r.cfg.Reconnect}
	// gapSince is when units stopped being observed: at start, before the
	// first connection, and whenever the bus goes away. unobserved says
	// whether a gap is open: the first connection, made at once, is none.
	gapSince := time.Now()
	unobserved := false
	// What this loop's consumer refused for good, until reported.
	var rej rawrecord.Rejections
	for ctx.Err() == nil {
		conn, snap, err := r.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			unobserved = true
			wait := bo.next()
			r.set.Logger.Warn("systemd bus not reachable; retrying", zap.String("bus_address", r.cfg.BusAddress),
				zap.Duration("retry_in", wait), zap.Error(err))
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		bo.reset()
		payloads, missed := tracker.Snapshot(snap)
		var pending rawrecord.Pending
		if unobserved {
			r.appendLoss(&pending, lossBusDisconnected, uint64(missed), gapSince)
		}
		unobserved = false
		for i := range payloads {
			r.appendUnit(&pending, &payloads[i])
		}
		_ = r.deliver(ctx, &pending, kindUnitState, &rej)

		r.follow(ctx, conn, tracker, &rej)
		conn.Close()
		if ctx.Err() == nil {
			gapSince, unobserved = time.Now(), true
			r.telemetry.TapioSystemdBusReconnects.Add(ctx, 1)
			r.set.Logger.Warn("systemd bus connection lost; reconnecting", zap.String("bus_address", r.cfg.BusAddress))
		}
	}
}

func (r *systemdReceiver) connect(ctx context.Context) (*unitwatch.Conn, map[string]unitwatch.Props, error) {
	conn, err := unitwatch.Dial(ctx, r.cfg.BusAddress, signalQueueLimit)
	if err != nil {
		return nil, nil, err
	}
	snap, err := conn.Snapshot(ctx, r.watch, r.cfg.IncludeFailed)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, snap, nil
}

// follow turns signals into records until the bus goes away or ctx ends.
// Whatever waits in the queue is read in one go and delivered as a batch.
func (r *systemdReceiver) follow(ctx context.Context, conn *unitwatch.Conn, tracker *unitwatch.Tracker, rej *rawrecord.Rejections) {
	var sigs []*dbus.Signal
	for {
		select {
		case <-ctx.Done():
			return
		case <-conn.Ready():
		case <-conn.Done():
			// Signals read before the bus went away are still news.
			r.drain(ctx, conn, tracker, sigs, rej)
			return
		}
		sigs = r.drain(ctx, conn, tracker, sigs, rej)
	}
}

func (r *systemdReceiver) drain(ctx context.Context, conn *unitwatch.Conn, tracker *unitwatch.Tracker, sigs []*dbus.Signal, rej *rawrecord.Rejections) []*dbus.Signal {
	sigs = conn.Drain(sigs[:0])
	var pending rawrecord.Pending
	if n := conn.TakeDropped(); n > 0 {
		r.telemetry.TapioSystemdEventsDropped.Add(context.Background(), int64(n), metric.WithAttributes(
			attribute.String("kind", kindUnitState), attribute.String("reason", lossSignalQueueFull)))
		r.appendLoss(&pending, lossSignalQueueFull, n, time.Now())
	}
	for _, sig := range sigs {
		if p, ok := tracker.Signal(sig); ok {
			r.appendUnit(&pending, &p)
		}
	}
	_ = r.deliver(ctx, &pending, kindUnitState, rej)
	clear(sigs)
	return sigs
}

func (r *systemdReceiver) appendUnit(pending *rawrecord.Pending, p *unitwatch.Payload) {
	body, err := json.Marshal(p)
	if err != nil {
		// Payload holds only strings and numbers; this cannot happen, and
		// if it did the record would be unreadable anyway.
		r.set.Logger.Error("encode unit state", zap.String("unit", p.Unit), zap.Error(err))
		return
	}
	pending.Append(kindUnitState, body, p.Time())
	r.telemetry.TapioSystemdEventsRead.Add(context.Background(), 1, r.readUnit)
}

func (r *systemdReceiver) appendLoss(pending *rawrecord.Pending, reason string, count uint64, since time.Time) {
	l := rawrecord.Loss{Kind: kindUnitState, Reason: reason, Count: count, Since: since, Until: time.Now()}
	if err := pending.AppendLoss(l); err != nil {
		r.set.Logger.Error("encode loss record", zap.Error(err))
	}
}
