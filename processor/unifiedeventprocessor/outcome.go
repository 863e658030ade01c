package unifiedeventprocessor

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

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

// outcomeTally counts a batch's outcomes so each distinct attribute set is
// recorded once per batch rather than once per record. A batch holds a few
// distinct outcomes, mostly in runs (one receiver's batch is one source), so
// a short list tried from the last hit first beats the map it replaces,
// which hashed three strings per record and was allocated per batch.
type outcomeTally struct {
	counts []outcomeCount
	last   int
}

type outcomeCount struct {
	o outcome
	n int64
}

func (t *outcomeTally) add(o outcome) {
	if t.last < len(t.counts) && t.counts[t.last].o == o {
		t.counts[t.last].n++
		return
	}
	for i := range t.counts {
		if t.counts[i].o == o {
			t.counts[i].n++
			t.last = i
			return
		}
	}
	t.counts = append(t.counts, outcomeCount{o: o, n: 1})
	t.last = len(t.counts) - 1
}

func (t *outcomeTally) record(ctx context.Context, tb *metadata.TelemetryBuilder, opts *outcomeOptions) {
	for _, c := range t.counts {
		switch c.o.kind {
		case outcomeDecoded:
			tb.TapioUnifiedRecordsDecoded.Add(ctx, c.n, opts.get(c.o))
		case outcomeUndecoded:
			tb.TapioUnifiedRecordsUndecoded.Add(ctx, c.n, opts.get(c.o))
		case outcomePassed:
			tb.TapioUnifiedRecordsPassedThrough.Add(ctx, c.n, opts.get(c.o))
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
