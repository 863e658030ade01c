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
	payload, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode loss record: %w", err)
	}
	b.Append(KindLoss, payload, l.Until)
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
