// Package systemddecoder decodes the tapio_systemd receiver's raw records
// into UnifiedEvents: unit.state (a unit's state change, D-Bus properties as
// JSON) and journal.entry (one journalctl JSON line).
package systemddecoder
