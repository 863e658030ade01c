package correlationconnector

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// BenchmarkConsumeLogsPodResources is BenchmarkConsumeLogs with the batch
// laid out as the enrichment processor writes it: each pod's subject on a
// ResourceLogs of its own and not in the bodies. The 300 OOM kills name
// 300 different pods, each of whose Resources also holds two or three of
// the tcp.connect records: the Reader reads a Resource per OOM record, the
// dearest case for it.
func BenchmarkConsumeLogsPodResources(b *testing.B) {
	benchConsume(b, benchPodBatch())
}

func benchPodBatch() plog.Logs {
	ld := plog.NewLogs()
	oomPods := benchBatchSize * *benchMix / 100
	pods := make([]plog.LogRecordSlice, oomPods)
	for i := range benchBatchSize {
		if i < oomPods {
			ev := benchOOM("x", (i*7919)%benchIncidents, benchStart.Add(time.Second))
			rl := ld.ResourceLogs().AppendEmpty()
			ev.K8s.WriteResource(rl.Resource().Attributes())
			ev.K8s = nil
			pods[i] = rl.ScopeLogs().AppendEmpty().LogRecords()
			ev.WriteTo(pods[i].AppendEmpty())
			continue
		}
		benchConnect().WriteTo(pods[i%oomPods].AppendEmpty())
	}
	return ld
}
