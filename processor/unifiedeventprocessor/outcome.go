package unifiedeventprocessor

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/yairfalse/tapio/internal/tally"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

type outcomeKind uint8

const (
	outcomeDecoded outcomeKind = iota
	outcomeUndecoded
	outcomePassed
)

type outcome struct {
	kind    outcomeKind
	source  string
	rawKind string
	reason  string
}

// recordOutcomes records a batch's outcome counts, one Add per distinct
// attribute set.
func recordOutcomes(ctx context.Context, tb *metadata.TelemetryBuilder, opts *outcomeOptions, counts []tally.Count[outcome]) {
	for _, c := range counts {
		switch c.Key.kind {
		case outcomeDecoded:
			tb.TapioUnifiedRecordsDecoded.Add(ctx, c.N, opts.get(c.Key))
		case outcomeUndecoded:
			tb.TapioUnifiedRecordsUndecoded.Add(ctx, c.N, opts.get(c.Key))
		case outcomePassed:
			tb.TapioUnifiedRecordsPassedThrough.Add(ctx, c.N, opts.get(c.Key))
		}
	}
}

// maxOutcomeOptions bounds the cache: kinds come from the records, and a
// receiver gone wrong must not grow it without end.
const maxOutcomeOptions = 256

// outcomeOptions keeps each outcome's metric attributes once built:
// building them per batch cost about 1 KB of allocations each time.
type outcomeOptions struct {
	m sync.Map // outcome → metric.AddOption
	n atomic.Int32
}

func (c *outcomeOptions) get(o outcome) metric.AddOption {
	if v, ok := c.m.Load(o); ok {
		return v.(metric.AddOption)
	}
	cache := c.n.Load() < maxOutcomeOptions
	if cache {
		// Cloned: a cached key or attribute must not pin a batch's
		// memory.
		o.source, o.rawKind = strings.Clone(o.source), strings.Clone(o.rawKind)
	}
	var opt metric.AddOption
	switch o.kind {
	case outcomeDecoded:
		opt = metric.WithAttributes(attribute.String("source", o.source), attribute.String("kind", o.rawKind))
	case outcomeUndecoded:
		opt = metric.WithAttributes(attribute.String("source", o.source), attribute.String("kind", o.rawKind),
			attribute.String("reason", o.reason))
	default:
		opt = metric.WithAttributes(attribute.String("reason", o.reason))
	}
	if cache {
		if _, loaded := c.m.LoadOrStore(o, opt); !loaded {
			c.n.Add(1)
		}
	}
	return opt
}
