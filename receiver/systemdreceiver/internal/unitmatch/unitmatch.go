// Package unitmatch decides which systemd units are watched: names and
// shell globs, written as systemctl accepts them.
package unitmatch

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// ErrBadPattern wraps a pattern that is not a valid glob.
var ErrBadPattern = errors.New("bad unit pattern")

// unitTypes are the suffixes systemd knows. A name without one means a
// service, as it does for systemctl and journalctl --unit.
var unitTypes = []string{
	"service", "socket", "target", "device", "mount", "automount",
	"swap", "timer", "path", "slice", "scope",
}

// Set is a list of unit names and globs. The zero Set matches nothing.
type Set struct {
	patterns []string
	globs    bool
}

// New normalises and checks the patterns: "kubelet" becomes
// "kubelet.service"; a glob without a type ("tapio-*") matches units of
// every type.
func New(patterns []string) (Set, error) {
	var s Set
	for _, p := range patterns {
		p = Normalize(p)
		if _, err := path.Match(p, ""); err != nil || p == "" {
			return Set{}, fmt.Errorf("%q: %w", p, ErrBadPattern)
		}
		if isGlob(p) {
			s.globs = true
		}
		if !slices.Contains(s.patterns, p) {
			s.patterns = append(s.patterns, p)
		}
	}
	return s, nil
}

// Normalize adds ".service" to a plain name without a unit type.
func Normalize(p string) string {
	if p == "" || isGlob(p) {
		return p
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 && slices.Contains(unitTypes, p[i+1:]) {
		return p
	}
	return p + ".service"
}

func isGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// Match reports whether the unit is watched.
func (s Set) Match(unit string) bool {
	for _, p := range s.patterns {
		if p == unit {
			return true
		}
		if s.globs {
			if ok, _ := path.Match(p, unit); ok {
				return true
			}
		}
	}
	return false
}

// Patterns returns the normalised patterns, for D-Bus ListUnitsByPatterns
// (systemd matches them with fnmatch, as Match does).
func (s Set) Patterns() []string { return slices.Clone(s.patterns) }

// HasGlobs reports whether any pattern is a glob. journalctl expands a
// glob --unit only once, at start, against the units already in the
// journal, so globs are matched here instead.
func (s Set) HasGlobs() bool { return s.globs }

// Empty reports whether the set matches nothing.
func (s Set) Empty() bool { return len(s.patterns) == 0 }
