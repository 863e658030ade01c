package systemddecoder_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/systemddecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// sample is one captured raw record.
type sample = unifiedeventtest.Sample

// samples reads testdata/samples.txt: payloads the receiver wrote against
// a real systemd, so the decoder is tested on what it will really get.
func samples(tb testing.TB) []sample {
	tb.Helper()
	return unifiedeventtest.Samples(tb, "testdata/samples.txt")
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
