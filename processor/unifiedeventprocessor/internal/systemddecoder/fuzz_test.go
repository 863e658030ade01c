package systemddecoder_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
)

var kinds = []string{"unit.state", "journal.entry"}

// FuzzDecode feeds any bytes, under either kind and any version, to the
// decoders: none may panic, and whatever decodes must survive a log
// record intact, with valid UTF-8 everywhere.
func FuzzDecode(f *testing.F) {
	for _, s := range samples(f) {
		k := uint8(0)
		if s.Kind == "journal.entry" {
			k = 1
		}
		f.Add(k, "1", s.Body)
	}
	f.Add(uint8(0), "1", []byte(`{"unit":"a.service","changed":["NRestarts"],"properties":{"ActiveState":"failed","ExecMainCode":3,"ExecMainStatus":6,"NRestarts":1}}`))
	f.Add(uint8(1), "1", []byte(`{"MESSAGE":[255,254],"_PID":"-1","_UID":"0","UNIT":"\u00ff","PRIORITY":"0","__REALTIME_TIMESTAMP":"-5"}`))
	decoders := make([]decode.Decoder, len(kinds))
	for i, kind := range kinds {
		decoders[i] = decoder(f, kind)
	}
	f.Fuzz(func(t *testing.T, k uint8, version string, body []byte) {
		i := int(k) % len(kinds)
		ev, err := decoders[i].Decode(decode.Raw{Source: "systemd", Kind: kinds[i], Version: version, Body: body})
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

// requireUTF8 checks every string in v: OTLP strings must be UTF-8.
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
