// Package engine joins UnifiedEvents into incidents under bounded state.
// It knows nothing about any failure: rules (package rules) say which
// events belong together and when a group is an incident; the engine keeps
// the groups, their bounds, their ids and their life cycle.
package engine
