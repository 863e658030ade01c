package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// jsonLine is what a non-OTel consumer reads from tapio_unified_event.
type jsonLine struct {
	SchemaVersion string `json:"schema_version"`
	ID            string `json:"id"`
	Name          string `json:"name"`
	Body          struct {
		K8s struct {
			PodName string `json:"pod_name"`
		} `json:"k8s"`
		Incident struct {
			Rule string `json:"rule"`
		} `json:"incident"`
	} `json:"body"`
}

// checkJSONLines checks that tapio_unified_event wrote, as schema-versioned
// JSON lines, every event the file exporter wrote (same ids), the enriched
// OOM kill among them.
func checkJSONLines(t *testing.T, a *agent, path string, app *pod) {
	t.Helper()
	want := map[string]bool{}
	for _, e := range a.all(t, func(*ue.Event) bool { return true }) {
		want[e.ID] = true
	}
	require.NotEmpty(t, want)
	// Set in Eventually's goroutine, read after it: under mu.
	var mu sync.Mutex
	var lines map[string]jsonLine
	var bad []string
	assert.Eventually(t, func() bool {
		l, b := readJSONLines(path)
		mu.Lock()
		defer mu.Unlock()
		lines, bad = l, b
		for id := range want {
			if _, ok := lines[id]; !ok {
				return false
			}
		}
		return true
	}, waitFor, tick, "every exported event as a JSON line in %s", path)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, bad, "lines that are not UnifiedEvent JSON")
	var oomInApp bool
	for _, l := range lines {
		assert.Equal(t, "1", l.SchemaVersion, "%s", l.ID)
		oomInApp = oomInApp || (l.Name == string(ue.NameOOMKill) && l.Body.K8s.PodName == app.Name)
	}
	assert.True(t, oomInApp, "the OOM kill, enriched with its pod")
}

func readJSONLines(path string) (map[string]jsonLine, []string) {
	out := map[string]jsonLine{}
	var bad []string
	f, err := os.Open(path)
	if err != nil {
		return out, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var l jsonLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ID == "" {
			bad = append(bad, sc.Text())
			continue
		}
		out[l.ID] = l
	}
	return out, bad
}
