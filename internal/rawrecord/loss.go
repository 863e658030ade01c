package rawrecord

import (
	"encoding/json"
	"fmt"
	"time"
)

// Loss reasons shared by receivers, so a dashboard can group them.
const (
	// LossRingBufferFull: the kernel had no room in the ring buffer.
	LossRingBufferFull = "ring_buffer_full"
	// LossRateLimited: an in-kernel rate limit shed the events on purpose.
	LossRateLimited = "rate_limited"
	// LossConsumerRejected: the receiver read the records and the next
	// consumer refused them for good.
	LossConsumerRejected = "consumer_rejected"
)

// Loss is the payload of a KindLoss record: how many records of one kind a
// receiver knows it could not deliver in a time window, and why. It is
// JSON because a receiver writes it, not a kernel or a log file.
type Loss struct {
	// Kind is the tapio.raw.kind of the records that were lost.
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
	// Since and Until bound when the loss happened: between two reads of
	// the counters that moved.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// AppendLoss adds a loss record. Its timestamp is the end of the window, the
// latest moment the loss can have happened.
func (b *Batch) AppendLoss(l Loss) error {
	return l.appendTo(func(payload []byte) { b.Append(KindLoss, payload, l.Until) })
}

// appendTo encodes l and hands the payload to add, which appends it as a
// KindLoss record stamped l.Until.
func (l Loss) appendTo(add func(payload []byte)) error {
	payload, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode loss record: %w", err)
	}
	add(payload)
	return nil
}

// ParseLoss reads a loss record's payload.
func ParseLoss(payload []byte) (Loss, error) {
	var l Loss
	if err := json.Unmarshal(payload, &l); err != nil {
		return Loss{}, fmt.Errorf("parse loss record: %w", err)
	}
	if l.Kind == "" || l.Reason == "" {
		return Loss{}, fmt.Errorf("parse loss record: kind and reason are required")
	}
	return l, nil
}

// Rejections tallies the records a receiver dropped because the next
// consumer refused them for good, until a loss record that reports them
// is taken. It is not safe for concurrent use.
type Rejections struct {
	count uint64
	since time.Time
}

// Add counts n records dropped now.
func (r *Rejections) Add(n int) {
	if n <= 0 {
		return
	}
	if r.count == 0 {
		r.since = time.Now()
	}
	r.count += uint64(n)
}

// Loss is the consumer_rejected loss record of the records of kind tallied
// so far, ending now; ok is false when there is nothing to report.
func (r *Rejections) Loss(kind string) (l Loss, ok bool) {
	if r.count == 0 {
		return Loss{}, false
	}
	return Loss{Kind: kind, Reason: LossConsumerRejected, Count: r.count, Since: r.since, Until: time.Now()}, true
}

// Reported clears the tally: a batch holding its loss record was taken.
func (r *Rejections) Reported() { *r = Rejections{} }
