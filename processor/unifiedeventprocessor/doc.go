// Package unifiedeventprocessor decodes the raw records Tapio's receivers
// emit into UnifiedEvents, choosing a decoder by tapio.source and
// tapio.raw.kind.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package unifiedeventprocessor
