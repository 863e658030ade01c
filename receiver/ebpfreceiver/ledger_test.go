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
	var lost, shed [wire.TypeMax]uint64

	assert.Empty(t, l.advance(lost, shed, t0.Add(time.Second)), "nothing moved, nothing to say")

	lost[wire.TypeExec] = 5
	shed[wire.TypeDNS] = 40
	t2 := t0.Add(2 * time.Second)
	assert.Equal(t, []rawrecord.Loss{
		{Kind: "process.exec", Reason: rawrecord.LossRingBufferFull, Count: 5, Since: t0.Add(time.Second), Until: t2},
		{Kind: "dns", Reason: rawrecord.LossRateLimited, Count: 40, Since: t0.Add(time.Second), Until: t2},
	}, l.advance(lost, shed, t2))

	lost[wire.TypeExec] = 7
	t3 := t0.Add(3 * time.Second)
	assert.Equal(t, []rawrecord.Loss{
		{Kind: "process.exec", Reason: rawrecord.LossRingBufferFull, Count: 2, Since: t2, Until: t3},
	}, l.advance(lost, shed, t3), "only what moved since the last reading")

	lost[wire.TypeExec] = 1 // counters restarted: not a huge wrapped delta
	assert.Empty(t, l.advance(lost, shed, t0.Add(4*time.Second)))
}
