package systemddecoder_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/systemddecoder"
)

// sample is one captured raw record.
type sample struct {
	kind string
	body []byte
}

// samples reads testdata/samples.txt: payloads the receiver wrote against
// a real systemd, so the decoder is tested on what it will really get.
func samples(tb testing.TB) []sample {
	tb.Helper()
	f, err := os.Open("testdata/samples.txt")
	require.NoError(tb, err)
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, body, ok := strings.Cut(line, "\t")
		require.True(tb, ok, line)
		out = append(out, sample{kind: kind, body: []byte(body)})
	}
	require.NoError(tb, sc.Err())
	return out
}

func registry(tb testing.TB) *decode.Registry {
	tb.Helper()
	r := decode.NewRegistry()
	require.NoError(tb, systemddecoder.Register(r))
	return r
}

func decoder(tb testing.TB, kind string) decode.Decoder {
	tb.Helper()
	d, ok := registry(tb).Lookup("systemd", kind)
	require.True(tb, ok, kind)
	return d
}
