// Package unitwatch follows systemd unit state over D-Bus: it subscribes to
// the manager's PropertiesChanged signals, reads a snapshot of the watched
// units, and turns both into unit.state payloads carrying the unit's
// relevant properties as D-Bus reported them.
//
// systemd sends, for one change of a unit, a PropertiesChanged for its
// type's interface (org.freedesktop.systemd1.Service: Result, NRestarts,
// ExecMain*) and then one for org.freedesktop.systemd1.Unit (ActiveState,
// SubState, InvocationID), and documents that order so clients can treat
// the pair as one update. The Tracker relies on it: the type signal is
// held, and the Unit signal completes the change.
package unitwatch
