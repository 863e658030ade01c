package loadgen

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func jsonLine(t *testing.T, ev *unifiedevent.Event) []byte {
	t.Helper()
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	if ev != nil {
		ev.WriteTo(lr)
	} else {
		lr.Body().SetStr("raw bytes")
	}
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	return append(b, '\n')
}

// The reader follows a growing file: a line still being written waits for
// its end, and records that are not UnifiedEvents say why.
func TestFileReaderFollowsAGrowingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	r := NewFileReader(path)
	got, err := r.Next()
	require.NoError(t, err, "a file not written yet is no error")
	assert.Empty(t, got)

	first := jsonLine(t, &unifiedevent.Event{
		ID: unifiedevent.NewID(unifiedevent.SourceCNI, "cni.line", time.Unix(1, 0), []byte("first")), Time: time.Unix(1, 0),
		Name: unifiedevent.NameCNIAdd, Source: unifiedevent.SourceCNI, RawKind: "cni.line", RawVersion: "1", Message: "first",
	})
	second := jsonLine(t, nil)
	require.NoError(t, os.WriteFile(path, append(first, second[:10]...), 0o644))
	got, err = r.Next()
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.NoError(t, got[0].Err)
	assert.Equal(t, "first", got[0].Event.Message)

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(second[10:])
	require.NoError(t, err)
	require.NoError(t, f.Close())
	got, err = r.Next()
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.ErrorIs(t, got[0].Err, unifiedevent.ErrNotUnifiedEvent)
}

func TestFileReaderRejectsWhatIsNotOTLPJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json\n"), 0o644))
	_, err := NewFileReader(path).Next()
	assert.ErrorContains(t, err, "not OTLP JSON")
}
