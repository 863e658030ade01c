package ebpfreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
)

func TestLossLedgerReportsDeltasPerKindAndReason(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	l := lossLedger{since: t0}
	var c counts
	var none [wire.TypeMax]uint64

	losses, reserved := l.advance(c, t0.Add(time.Second))
	assert.Empty(t, losses, "nothing moved, nothing to say")
	assert.Equal(t, none, reserved)

	c.lost[wire.TypeExec] = 5
	c.shed[wire.TypeDNS] = 40
	c.reserved[wire.TypeOOMKill] = 2
	t2 := t0.Add(2 * time.Second)
	losses, reserved = l.advance(c, t2)
	assert.Equal(t, []rawrecord.Loss{
		{Kind: "process.exec", Reason: rawrecord.LossRingBufferFull, Count: 5, Since: t0.Add(time.Second), Until: t2},
		{Kind: "dns", Reason: rawrecord.LossRateLimited, Count: 40, Since: t0.Add(time.Second), Until: t2},
	}, losses, "what the reserve ring kept is no loss")
	want := none
	want[wire.TypeOOMKill] = 2
	assert.Equal(t, want, reserved)

	c.lost[wire.TypeExec] = 7
	c.reserved[wire.TypeOOMKill] = 3
	t3 := t0.Add(3 * time.Second)
	losses, reserved = l.advance(c, t3)
	assert.Equal(t, []rawrecord.Loss{
		{Kind: "process.exec", Reason: rawrecord.LossRingBufferFull, Count: 2, Since: t2, Until: t3},
	}, losses, "only what moved since the last reading")
	want[wire.TypeOOMKill] = 1
	assert.Equal(t, want, reserved)

	c.lost[wire.TypeExec] = 1 // counters restarted: not a huge wrapped delta
	c.reserved[wire.TypeOOMKill] = 0
	losses, reserved = l.advance(c, t0.Add(4*time.Second))
	assert.Empty(t, losses)
	assert.Equal(t, none, reserved)
}

func TestLossLedgerReportsRefusedSamplesAsRejected(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l := lossLedger{since: t0}
	var c counts
	c.dropped[wire.TypeExec] = 12
	t1 := t0.Add(time.Second)
	losses, _ := l.advance(c, t1)
	assert.Equal(t, []rawrecord.Loss{
		{Kind: "process.exec", Reason: rawrecord.LossConsumerRejected, Count: 12, Since: t0, Until: t1},
	}, losses)
}
