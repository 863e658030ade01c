package ebpfdecoder_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
)

// FuzzDecode feeds any bytes, under any kind and version, to the decoders:
// none may panic, and whatever decodes must survive a log record intact.
func FuzzDecode(f *testing.F) {
	for i, body := range validSamples(f) {
		f.Add(uint8(i), "1", body)
	}
	for _, body := range extraSeeds(f) {
		f.Add(uint8(len(kinds)-1), "1", body)
	}
	decoders := make([]decode.Decoder, len(kinds))
	for i, kind := range kinds {
		decoders[i] = decoder(f, kind)
	}
	f.Fuzz(func(t *testing.T, k uint8, version string, body []byte) {
		i := int(k) % len(kinds)
		ev, err := decoders[i].Decode(decode.Raw{Source: "ebpf", Kind: kinds[i], Version: version, Body: body})
		if err != nil {
			require.Nil(t, ev)
			return
		}
		require.NotNil(t, ev)
		require.NotEmpty(t, ev.Name)
		require.NotEmpty(t, ev.Message)
		ev.ID = "00112233445566778899aabbccddeeff" // the processor's job
		require.NoError(t, ev.Validate())
		lr := plog.NewLogRecord()
		ev.WriteTo(lr)
		requireUTF8(t, lr.Body())
		for k, v := range lr.Attributes().All() {
			require.True(t, utf8.ValidString(k), k)
			requireUTF8(t, v)
		}
	})
}

// requireUTF8 checks every string in v: OTLP strings must be UTF-8, and
// kernel names are arbitrary bytes.
func requireUTF8(t *testing.T, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		require.True(t, utf8.ValidString(v.Str()), "%q", v.Str())
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			requireUTF8(t, e)
		}
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			requireUTF8(t, e)
		}
	}
}

// extraSeeds are the DNS shapes that reach the answer parser.
func extraSeeds(f *testing.F) [][]byte {
	answers := ingressResponse(answersPayload(f))
	cut := answers
	cut.payload, cut.flags = cut.payload[:len(cut.payload)-3], flagTruncated
	return [][]byte{answers.bytes(), cut.bytes()}
}
