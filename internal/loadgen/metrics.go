package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Metrics is one scrape of the collector's Prometheus endpoint: each
// sample's value keyed by its full series (name and labels as printed).
type Metrics map[string]float64

// Scrape reads the collector's own metrics (telemetry.metrics with a
// Prometheus pull reader) in the text exposition format.
func Scrape(ctx context.Context, url string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: status %s", url, resp.Status)
	}
	m := Metrics{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		// A sample is "series value [timestamp]"; label values may hold
		// spaces, so the value is found after the closing brace.
		cut := strings.LastIndexByte(line, '}')
		if cut < 0 {
			cut = strings.IndexByte(line, ' ') - 1
		}
		if cut < 0 {
			continue
		}
		series := line[:cut+1]
		fields := strings.Fields(line[cut+1:])
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		m[series] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	return m, nil
}

// Sum adds every series whose metric name is name and whose labels
// contain each of the given label="value" pairs.
func (m Metrics) Sum(name string, labels ...string) float64 {
	var total float64
	for series, v := range m {
		metric, rest, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		match := true
		for _, l := range labels {
			if !strings.Contains(rest, l) {
				match = false
				break
			}
		}
		if match {
			total += v
		}
	}
	return total
}

// Names lists the metric names present, for error messages when an
// expected metric is missing.
func (m Metrics) Names() []string {
	seen := map[string]bool{}
	var out []string
	for series := range m {
		name, _, _ := strings.Cut(series, "{")
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
