package correlationconnector

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// BenchmarkConsumeLogsPodResources is BenchmarkConsumeLogs with the batch
// laid out as the enrichment processor writes it: each pod's subject on a
// ResourceLogs of its own and not in the bodies. The 300 OOM kills name
// 300 different pods, each of whose Resources also holds two or three of
// the tcp.connect records: the Reader reads a Resource per OOM record, the
// dearest case for it.
func BenchmarkConsumeLogsPodResources(b *testing.B) {
	c, err := NewFactory().CreateLogsToLogs(b.Context(), connectortest.NewNopSettings(metadata.Type), benchConfig(), consumertest.NewNop())
	require.NoError(b, err)
	corr := c.(*correlator)
	openIncidents(b, corr.eng, benchIncidents)

	template := benchPodBatch()
	b.ReportAllocs()
	n := 0
	var cpuCopy time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		c0 := cpuTime()
		ld := plog.NewLogs()
		template.CopyTo(ld)
		i := 0
		for _, rl := range ld.ResourceLogs().All() {
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				lr.Attributes().PutStr(unifiedevent.AttrEventID, strconv.Itoa(n*benchBatchSize+i))
				i++
			}
		}
		n++
		cpuCopy += cpuTime() - c0
		b.StartTimer()
		if err := c.ConsumeLogs(b.Context(), ld); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*benchBatchSize, cpu0+cpuCopy)
	b.ReportMetric(float64(openIncidentCount(corr.eng)), "open-incidents")
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
		ev := &unifiedevent.Event{
			ID: "x", Name: unifiedevent.NameTCPConnect, Source: unifiedevent.SourceEBPF, Time: benchStart.Add(time.Second),
			Process: &unifiedevent.Process{PID: 4121, ExecutableName: "java"},
			Network: &unifiedevent.Network{Transport: "tcp", Type: "ipv4", LocalAddress: "10.244.1.17", PeerAddress: "10.96.0.10", PeerPort: 5432, State: "syn_sent"},
		}
		ev.WriteTo(pods[i%oomPods].AppendEmpty())
	}
	return ld
}
