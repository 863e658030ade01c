package cnidecoder_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the decoder's output")

// observed is when the receiver read the fixtures: klog's year comes from it.
var observed = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// fixture is one file of entries in a plugin family's format, and the file
// the receiver would have read them from.
type fixture struct {
	name, path string
}

var fixtures = []fixture{
	{"calico", "/var/log/calico/cni/cni.log"},
	{"cilium", "/var/run/cilium/cilium-cni.log"},
	{"multus", "/var/log/multus.log"},
	{"aws", "/var/log/aws-routed-eni/plugin.log"},
	{"cni-plugins", "/var/log/cni/bridge.log"},
	{"generic", "/var/log/cni/whereabouts.log"},
	{"broken", "/var/log/cni/cni.log"},
	{"panic", "/var/log/cni/bridge.log"},
}

// entries reads a fixture: one entry per line, or for .entry files the
// whole file as one multi-line entry.
func entries(t testing.TB, name string) [][]byte {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join("testdata", name+".entry")); err == nil {
		return [][]byte{bytes.TrimSuffix(data, []byte("\n"))}
	}
	return unifiedeventtest.Lines(t, filepath.Join("testdata", name+".log"))
}

func raw(body []byte, path string) decode.Raw {
	attrs := pcommon.NewMap()
	attrs.PutStr("log.file.path", path)
	return decode.Raw{Source: "cni", Kind: "cni.line", Version: "1", Body: body, ObservedTime: observed, Attributes: attrs}
}

// decoded is a golden file's record: the entry and the event it became.
type decoded struct {
	Entry string              `json:"entry"`
	Event *unifiedevent.Event `json:"event"`
}

// Every fixture entry decodes to the event in its golden file, and every
// event survives a log record (Validate).
func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			var got []decoded
			for _, body := range entries(t, fx.name) {
				ev, err := cnidecoder.Decode(raw(body, fx.path))
				require.NoError(t, err, "%s", body)
				valid := *ev
				valid.ID = "00112233445566778899aabbccddeeff" // the processor's job
				require.NoError(t, valid.Validate(), "%s", body)
				got = append(got, decoded{Entry: strings.ToValidUTF8(string(body), "\uFFFD"), Event: ev})
			}
			golden := filepath.Join("testdata", fx.name+".golden.json")
			out, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			out = append(out, '\n')
			if *update {
				require.NoError(t, os.WriteFile(golden, out, 0o600))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create it")
			require.JSONEq(t, string(want), string(out))
		})
	}
}
