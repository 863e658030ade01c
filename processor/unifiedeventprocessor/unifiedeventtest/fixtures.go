package unifiedeventtest

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Sample is one captured raw record: its tapio.raw.kind and payload.
type Sample struct {
	Kind string
	Body []byte
}

// Samples reads a file of captured raw records, one a line: the kind, a tab,
// the payload. Blank lines and lines starting with # are skipped. Each
// decoder's tests and the processor's mixed benchmark read the same files
// through it, so the format is read in one place.
func Samples(tb testing.TB, path string) []Sample {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, body, ok := strings.Cut(line, "\t")
		require.True(tb, ok, line)
		out = append(out, Sample{Kind: kind, Body: []byte(body)})
	}
	require.NoError(tb, sc.Err())
	return out
}

// Lines reads a log fixture as a line-reading receiver hands it on: one
// payload per line, without the newline.
func Lines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	var out [][]byte
	for line := range bytes.SplitSeq(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		out = append(out, line)
	}
	return out
}
