package unitwatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
)

// callTimeout bounds one method call: a bus that accepts but does not
// answer (dbus-daemon restarting behind its socket) must not hang a
// reconnect forever.
const callTimeout = 10 * time.Second

// Conn is one session on the bus: a signal connection holding the
// subscription, and go-systemd's connection for method calls.
type Conn struct {
	sig   *dbus.Conn
	calls *sddbus.Conn
	queue *queue
}

// Dial connects to the bus at address, asks systemd to emit unit signals and
// routes them to this connection. ctx bounds the session's life: when it
// ends, the connections close. queueLimit caps the signals waiting to be
// read.
//
// The signal connection is godbus's, not go-systemd's: go-systemd hands on
// only the Unit interface's changes (not Result, NRestarts or ExecMain*,
// which live on the Service interface), drops them when its channel is
// full, and its SubscribeUnits polls. go-systemd serves the method calls.
func Dial(ctx context.Context, address string, queueLimit int) (*Conn, error) {
	q := newQueue(queueLimit)
	sig, err := connect(ctx, address, dbus.WithSignalHandler(q))
	if err != nil {
		return nil, err
	}
	c := &Conn{sig: sig, queue: q}
	if err := c.subscribe(ctx); err != nil {
		c.Close()
		return nil, err
	}
	c.calls, err = sddbus.NewConnection(func() (*dbus.Conn, error) { return connect(ctx, address) })
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("connect for method calls: %w", err)
	}
	return c, nil
}

// connect dials, authenticates as our uid (EXTERNAL, as systemctl does)
// and says Hello, which gives the connection its unique name.
func connect(ctx context.Context, address string, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	conn, err := dbus.Dial(address, append(opts, dbus.WithContext(ctx))...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("authenticate to %s: %w", address, err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("hello to %s: %w", address, err)
	}
	return conn, nil
}

// subscribe routes systemd's unit PropertiesChanged signals here, then asks
// systemd to send them: it emits unit signals only while some client is
// subscribed, and ends the subscription when this connection closes.
func (c *Conn) subscribe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := c.sig.AddMatchSignalContext(ctx,
		dbus.WithMatchSender("org.freedesktop.systemd1"),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
		dbus.WithMatchMember("PropertiesChanged"),
		dbus.WithMatchPathNamespace("/org/freedesktop/systemd1/unit"))
	if err != nil {
		return fmt.Errorf("add signal match: %w", err)
	}
	manager := c.sig.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
	if err := manager.CallWithContext(ctx, "org.freedesktop.systemd1.Manager.Subscribe", 0).Store(); err != nil {
		return fmt.Errorf("subscribe to systemd: %w", err)
	}
	return nil
}

// Close ends the session; it is safe to call twice.
func (c *Conn) Close() {
	if c.calls != nil {
		c.calls.Close()
	}
	c.sig.Close()
}

// Done is closed when the signal connection is gone: the bus went away or
// Close was called.
func (c *Conn) Done() <-chan struct{} { return c.sig.Context().Done() }

// Ready has a value when signals wait to be drained.
func (c *Conn) Ready() <-chan struct{} { return c.queue.ready }

// Drain appends the waiting signals to dst, in arrival order.
func (c *Conn) Drain(dst []*dbus.Signal) []*dbus.Signal { return c.queue.drain(dst) }

// TakeDropped returns how many signals were dropped since the last call
// because the queue was full.
func (c *Conn) TakeDropped() uint64 { return c.queue.dropped.Swap(0) }

// Snapshot reads the watched units (those loaded; systemd matches the
// patterns itself) and, with includeFailed, every failed unit.
func (c *Conn) Snapshot(ctx context.Context, watch unitmatch.Set, includeFailed bool) (map[string]Props, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var listed []sddbus.UnitStatus
	if !watch.Empty() {
		units, err := c.calls.ListUnitsByPatternsContext(ctx, nil, watch.Patterns())
		if err != nil {
			return nil, fmt.Errorf("list watched units: %w", err)
		}
		listed = append(listed, units...)
	}
	if includeFailed {
		units, err := c.calls.ListUnitsByPatternsContext(ctx, []string{"failed"}, nil)
		if err != nil {
			return nil, fmt.Errorf("list failed units: %w", err)
		}
		listed = append(listed, units...)
	}
	out := make(map[string]Props, len(listed))
	for _, u := range listed {
		if _, done := out[u.Name]; done {
			continue
		}
		props, err := c.read(ctx, u.Name)
		switch {
		case err == nil:
			out[u.Name] = props
		case ctx.Err() != nil || !c.calls.Connected():
			return nil, fmt.Errorf("read unit %s: %w", u.Name, err)
		}
		// Otherwise the unit was unloaded since the listing: it has no
		// state left to report.
	}
	return out, nil
}

// read gets a unit's properties from its Unit and type interfaces.
func (c *Conn) read(ctx context.Context, name string) (Props, error) {
	var p Props
	unitProps, err := c.calls.GetUnitPropertiesContext(ctx, name)
	if err != nil {
		return p, err
	}
	for k, v := range unitProps {
		p.set(k, v)
	}
	if typ := typeInterface(name); typ != "" {
		typeProps, err := c.calls.GetUnitTypePropertiesContext(ctx, name, typ)
		var dbusErr dbus.Error
		switch {
		case errors.As(err, &dbusErr):
			// Some types export no interface of their own properties.
		case err != nil:
			return p, err
		}
		for k, v := range typeProps {
			p.set(k, v)
		}
	}
	return p, nil
}
