// Package unifiedeventexporter writes Tapio UnifiedEvents as
// schema-versioned JSON lines, to a rotated file or to an HTTP endpoint,
// for consumers that do not speak OTLP.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package unifiedeventexporter
