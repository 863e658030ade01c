package cnidecoder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
)

// Crafted lines must not make decoding quadratic: a 256 KiB line of any
// repeated pattern decodes in well under a second.
func TestNoQuadraticLines(t *testing.T) {
	for _, unit := range []string{
		"(", "((", "a=", "args=", "Args(", "a:", `a:"`, `"`, `{"a":`, "[", "{", `\`, `\u`, " ", "a ", "err: ",
		"a=b ", "CNI ", "Cmd", "sandbox ", "for container ", `"address":"`, "ContainerID(", `type="`, ";", "K8S_POD_NAME=a;",
	} {
		for _, prefix := range []string{"", "2026-11-29 08:01:02.345 [INFO][1] a.go 1: ", "2026-11-29T08:01:02Z [verbose] ", "level=info msg=", `{"msg":"`, "I1129 08:01:02.000000 1 a.go:1] "} {
			line := prefix + strings.Repeat(unit, (256<<10)/len(unit))
			start := time.Now()
			_, _ = cnidecoder.Decode(raw([]byte(line), "/var/log/cni/x.log"))
			if d := time.Since(start); d > time.Second {
				t.Errorf("%q after %q: %s", unit, prefix, d)
			}
		}
	}
}
