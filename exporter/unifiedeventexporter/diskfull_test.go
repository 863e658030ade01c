package unifiedeventexporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"golang.org/x/sys/unix"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
	"github.com/yairfalse/tapio/internal/testkit"
)

// TestFileDiskFullTornLineStaysAlone fills a real (tmpfs) file system so a
// batch is written only in part, then frees space and sends the batch
// again, as the retry would. The fragment is ended on its own line: it is
// the only unreadable line and the resent batch is whole.
func TestFileDiskFullTornLineStaysAlone(t *testing.T) {
	testkit.RequireRoot(t)
	dir := filepath.Join(t.TempDir(), "fs")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, unix.Mount("tapio-test", dir, "tmpfs", 0, "size=1m"))
	t.Cleanup(func() { assert.NoError(t, unix.Unmount(dir, 0)) })

	// Leave about 64 KB: four or five batches of about 14 KB fit.
	filler := filepath.Join(dir, "filler")
	require.NoError(t, os.WriteFile(filler, make([]byte, 1<<20-64<<10), 0o600))

	path := filepath.Join(dir, "events.jsonl")
	cfg := fileConfig(path, RotationConfig{})
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), cfg)
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(t.Context())) })

	const per = 20
	failed := -1
	for b := 0; b < 20 && failed < 0; b++ {
		if err := exp.ConsumeLogs(t.Context(), testLogs(b*per, per)); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "%v", err)
			failed = b
		}
	}
	require.Positive(t, failed, "the file system filled up")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEqual(t, byte('\n'), data[len(data)-1], "the failed write left part of a line")

	require.NoError(t, os.Remove(filler))
	require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(failed*per, per)))
	require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs((failed+1)*per, per)))

	data, err = os.ReadFile(path)
	require.NoError(t, err)
	var valid [][]byte
	var broken [][]byte
	counts := map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			broken = append(broken, line)
			continue
		}
		valid = append(valid, line)
		counts[m["id"].(string)]++
	}
	require.Len(t, broken, 1, "only the fragment is unreadable")
	fragmentOfALine := false
	for _, v := range valid {
		fragmentOfALine = fragmentOfALine || bytes.HasPrefix(v, broken[0])
	}
	assert.True(t, fragmentOfALine, "nothing was glued to the fragment")
	for i := 0; i < (failed+2)*per; i++ {
		assert.Positive(t, counts[testEvent(i).ID], "event %d", i)
	}
}
