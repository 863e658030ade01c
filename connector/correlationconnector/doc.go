// Package correlationconnector joins UnifiedEvents from every Tapio source
// into incidents with a root cause, the impacted objects and the evidence,
// and emits them as log records, traces and metrics.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package correlationconnector
