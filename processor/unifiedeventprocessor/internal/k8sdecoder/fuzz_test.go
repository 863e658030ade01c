package k8sdecoder_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/k8sdecoder"
)

// FuzzDecode feeds any body to the decoder: it must never panic, and what
// it decodes must survive a log record intact with valid UTF-8 throughout.
func FuzzDecode(f *testing.F) {
	for _, body := range [][]byte{
		watchEvent(f, "MODIFIED", oomPod(), "v1", "Pod"),
		watchEvent(f, "ADDED", backOffEvent(), "v1", "Event"),
		watchEvent(f, "ADDED", newEvent(), "events.k8s.io/v1", "Event"),
		watchEvent(f, "MODIFIED", notReadyNode(), "v1", "Node"),
		watchEvent(f, "ADDED", deployment(), "apps/v1", "Deployment"),
		watchEvent(f, "DELETED", &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: "shop"}}, "v1", "Pod"),
		[]byte(`{"type":"ADDED","object":{"kind":"Event","metadata":{"name":"x"},"series":{"count":-3}}}`),
		[]byte(`{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"\xff"},"status":{"phase":"Failed"}}}`),
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := k8sdecoder.Decode(decode.Raw{Source: "k8s", Kind: k8sdecoder.Kind, Version: "1", Body: body})
		if err != nil {
			require.Nil(t, ev)
			return
		}
		require.NotEmpty(t, ev.Name)
		require.NotEmpty(t, ev.Message)
		ev.ID = "00112233445566778899aabbccddeeff"
		require.NoError(t, ev.Validate())
		lr := plog.NewLogRecord()
		ev.WriteTo(lr)
		requireUTF8(t, lr.Body())
	})
}

func requireUTF8(t *testing.T, v pcommon.Value) {
	t.Helper()
	switch v.Type() {
	case pcommon.ValueTypeStr:
		require.True(t, utf8.ValidString(v.Str()), "%q", v.Str())
	case pcommon.ValueTypeMap:
		for k, e := range v.Map().All() {
			require.True(t, utf8.ValidString(k), "%q", k)
			requireUTF8(t, e)
		}
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			requireUTF8(t, e)
		}
	}
}
