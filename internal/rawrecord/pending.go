package rawrecord

import (
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Pending holds the records a receiver has read and not yet handed on, as
// read, so that it can build their batch as often as the next consumer
// refuses it. A consumer owns the batch it is handed and may rewrite it in
// place (tapio_unified decodes each body where it is) before a later stage
// pushes back; a retry must hand on the records as they were read, not
// what came back. Reset keeps the buffers for the next batch, so holding
// the records costs a copy of each payload and no allocation once the
// buffers have grown. It is not safe for concurrent use.
type Pending struct {
	payloads []byte
	ends     []int
	kinds    []string
	events   []time.Time
	observed []time.Time
}

// Append keeps one record; the arguments are Batch.Append's, and the
// payload is copied. The observed time is now, so every batch built from
// these records carries the same record, whenever it is built.
func (p *Pending) Append(kind string, payload []byte, eventTime time.Time) {
	p.payloads = append(p.payloads, payload...)
	p.ends = append(p.ends, len(p.payloads))
	p.kinds = append(p.kinds, kind)
	p.events = append(p.events, eventTime)
	p.observed = append(p.observed, time.Now())
}

// AppendLoss keeps a loss record, as Batch.AppendLoss adds one.
func (p *Pending) AppendLoss(l Loss) error {
	return l.appendTo(func(payload []byte) { p.Append(KindLoss, payload, l.Until) })
}

// Len is the number of records held.
func (p *Pending) Len() int { return len(p.ends) }

// Kinds lists the held records' kinds in the order they were appended. The
// slice is the Pending's own: read it before the next Append or Reset.
func (p *Pending) Kinds() []string { return p.kinds }

// Reset empties the Pending for the next batch, keeping its buffers.
func (p *Pending) Reset() {
	p.payloads, p.ends, p.kinds = p.payloads[:0], p.ends[:0], p.kinds[:0]
	p.events, p.observed = p.events[:0], p.observed[:0]
}

// Build returns a new batch of the held records, in the order they were
// appended. The records stay held until Reset.
func (e *Emitter) Build(p *Pending) plog.Logs { return e.BuildWith(p, nil) }

// BuildWith is Build, calling each, when set, with every record built and
// its index in p, for the receiver to add attributes of its own as the
// caller of Batch.Append can.
func (e *Emitter) BuildWith(p *Pending, each func(i int, lr plog.LogRecord)) plog.Logs {
	b := e.NewBatch()
	start := 0
	for i, end := range p.ends {
		lr := b.append(p.kinds[i], p.payloads[start:end], p.events[i], p.observed[i])
		if each != nil {
			each(i, lr)
		}
		start = end
	}
	return b.Logs()
}
