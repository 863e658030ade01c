// Package rules holds the built-in correlation rules, one file per rule.
// Each matches what Tapio's decoders actually emit (see the decoders under
// processor/unifiedeventprocessor/internal) after K8s enrichment, and each
// is built from its own Params so it can be tuned or left out.
package rules
