package cnidecoder_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
)

// FuzzDecode feeds any bytes to the decoder: it must not panic, every
// entry that is not blank must become an event, and every event must
// survive a log record intact with valid UTF-8 throughout.
func FuzzDecode(f *testing.F) {
	for _, fx := range fixtures {
		for _, body := range entries(f, fx.name) {
			f.Add(body, fx.path)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		ev, err := cnidecoder.Decode(raw(body, path))
		if err != nil {
			require.ErrorIs(t, err, cnidecoder.ErrEmpty)
			require.Nil(t, ev)
			return
		}
		require.NotNil(t, ev)
		require.NotEmpty(t, ev.Name)
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
