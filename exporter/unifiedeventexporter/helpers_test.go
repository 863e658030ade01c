package unifiedeventexporter

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

var baseTime = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// testEvent is a process.exec event whose id derives from i, as a decoder
// would derive it from the raw record.
func testEvent(i int) *unifiedevent.Event {
	t := baseTime.Add(time.Duration(i) * time.Millisecond)
	exit := int64(0)
	return &unifiedevent.Event{
		ID:           unifiedevent.NewID(unifiedevent.SourceEBPF, "process.exec", t, []byte(strconv.Itoa(i))),
		Name:         unifiedevent.NameProcessExec,
		Source:       unifiedevent.SourceEBPF,
		RawKind:      "process.exec",
		RawVersion:   "1",
		Time:         t,
		ObservedTime: t.Add(time.Millisecond),
		Severity:     plog.SeverityNumberInfo,
		SeverityText: "INFO",
		Message:      fmt.Sprintf("exec /usr/bin/curl (pid %d)", 1000+i),
		Process: &unifiedevent.Process{
			PID: int64(1000 + i), ParentPID: 1, ExecutableName: "curl",
			ExecutablePath: "/usr/bin/curl", CommandLine: "curl -s http://cart:8080/", ExitCode: &exit,
		},
		K8s: &unifiedevent.K8s{
			PodName: "cart-7d9f", Namespace: "shop", NodeName: "node-1",
			WorkloadKind: "Deployment", WorkloadName: "cart",
		},
		Kernel: &unifiedevent.Kernel{CgroupID: 4242, PIDNamespace: 4026531836},
	}
}

// testLogs holds events from .. from+n-1 in one resource.
func testLogs(from, n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "node-1")
	rl.Resource().Attributes().PutStr("k8s.node.name", "node-1")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := from; i < from+n; i++ {
		testEvent(i).WriteTo(lrs.AppendEmpty())
	}
	return ld
}

// parseLines decodes JSON lines, failing on any line that is not one JSON
// object.
func parseLines(t testing.TB, data []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// idCounts counts lines per tapio.event.id.
func idCounts(lines []map[string]any) map[string]int {
	c := map[string]int{}
	for _, l := range lines {
		c[l["id"].(string)]++
	}
	return c
}

// requireExactlyOnce checks that the events from .. from+n-1 each appear
// once and nothing else does.
func requireExactlyOnce(t testing.TB, counts map[string]int, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		id := testEvent(i).ID
		require.Equalf(t, 1, counts[id], "event %d (%s) seen %d times", i, id, counts[id])
	}
	require.Len(t, counts, n)
}

// hostWithExtensions serves extensions (the storage of a persistent queue)
// to the exporter.
type hostWithExtensions struct {
	ext map[component.ID]component.Component
}

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component { return h.ext }
