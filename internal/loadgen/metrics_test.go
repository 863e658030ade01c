package loadgen

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScrapeSumsSeriesByNameAndLabels(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`# HELP otelcol_tapio_ebpf_events_read Samples read.
# TYPE otelcol_tapio_ebpf_events_read counter
otelcol_tapio_ebpf_events_read{kind="dns",receiver="tapio_ebpf"} 40
otelcol_tapio_ebpf_events_read{kind="tcp.state",receiver="tapio_ebpf"} 2
otelcol_tapio_ebpf_events_read_other 1000
label_with_space{reason="ring buffer full"} 3 1700000000000
target_info 1
not a sample
`))
	}))
	defer srv.Close()
	m, err := Scrape(t.Context(), srv.URL)
	require.NoError(t, err)
	assert.Equal(t, 42.0, m.Sum("otelcol_tapio_ebpf_events_read"))
	assert.Equal(t, 40.0, m.Sum("otelcol_tapio_ebpf_events_read", `kind="dns"`))
	assert.Equal(t, 3.0, m.Sum("label_with_space"))
	assert.Zero(t, m.Sum("missing"))
	assert.Contains(t, m.Names(), "target_info")
}

func TestScrapeFailsOnAnErrorStatus(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := Scrape(t.Context(), srv.URL)
	assert.ErrorContains(t, err, "404")
}
