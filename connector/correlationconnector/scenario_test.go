package correlationconnector

import (
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.yaml.in/yaml/v3"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

var update = flag.Bool("update", false, "rewrite the scenario golden files from the connector's output")

// scenarioBase is the time every scenario's offsets count from.
var scenarioBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// scenario is one YAML file under testdata/scenarios: UnifiedEvents in,
// batch by batch, and the hand-written facts the output must show; the
// golden file next to it holds the full output.
type scenario struct {
	Description string         `yaml:"description"`
	Config      map[string]any `yaml:"config"`
	Batches     [][]inEvent    `yaml:"batches"`
	// Advance moves the event clock this far past the last event at the
	// end, as a quiet input does, so open incidents close.
	Advance string `yaml:"advance"`
	Expect  expect `yaml:"expect"`
}

// inEvent is a UnifiedEvent as a decoder and the enrichment processor
// leave it: name, id, time offset, the resource's node and the body map
// exactly as WriteTo lays it out.
type inEvent struct {
	Name string         `yaml:"name"`
	ID   string         `yaml:"id"`
	At   string         `yaml:"at"`
	Node string         `yaml:"node"`
	Body map[string]any `yaml:"body"`
	// Raw writes a record that is not a valid UnifiedEvent, to check it
	// passes on untouched.
	Raw bool `yaml:"raw"`
	// TraceID and Severity are the envelope's trace context and severity
	// number, which the grouping rules read.
	TraceID  string `yaml:"trace_id"`
	Severity int32  `yaml:"severity"`
	Source   string `yaml:"source"`
}

// expect is checked on top of the golden file, so a regenerated golden
// cannot quietly change what the scenario is about.
type expect struct {
	// Incidents lists "rule state" per incident record, in order.
	Incidents []string `yaml:"incidents"`
	// Members maps an incident's position in Incidents' opened records
	// (0-based) to event ids that must be its members.
	Members map[int][]string `yaml:"members"`
	// NotMembers are event ids no incident may list.
	NotMembers []string `yaml:"not_members"`
}

func (ev inEvent) record(t *testing.T, lr plog.LogRecord) {
	t.Helper()
	at, err := time.ParseDuration(ev.At)
	require.NoError(t, err, "event %s: at", ev.ID)
	lr.SetTimestamp(pcommonTime(scenarioBase.Add(at)))
	lr.Attributes().PutStr(unifiedevent.AttrEventID, ev.ID)
	lr.SetSeverityNumber(plog.SeverityNumber(ev.Severity))
	if ev.Source != "" {
		lr.Attributes().PutStr(unifiedevent.AttrSource, ev.Source)
	}
	if ev.TraceID != "" {
		b, err := hex.DecodeString(ev.TraceID)
		require.NoError(t, err)
		require.Len(t, b, 16)
		lr.SetTraceID(pcommon.TraceID(b))
	}
	if ev.Raw {
		lr.Body().SetStr("not a unified event")
		lr.SetEventName(ev.Name)
		return
	}
	lr.Attributes().PutStr(unifiedevent.AttrSchemaVersion, unifiedevent.SchemaVersion)
	lr.SetEventName(ev.Name)
	lr.Attributes().PutStr(unifiedevent.AttrEventName, ev.Name)
	require.NoError(t, lr.Body().SetEmptyMap().FromRaw(ev.Body), "event %s: body", ev.ID)
	_, err = unifiedevent.FromLogRecord(lr)
	require.NoError(t, err, "event %s is not a valid UnifiedEvent", ev.ID)
}

type sinks struct {
	logs    *consumertest.LogsSink
	traces  *consumertest.TracesSink
	metrics *consumertest.MetricsSink
	conns   []*correlator
}

func newSinks(t *testing.T, cfg *Config) *sinks {
	t.Helper()
	s := &sinks{logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink), metrics: new(consumertest.MetricsSink)}
	set := connectortest.NewNopSettings(metadata.Type)
	f := NewFactory()
	var cs []connector.Logs
	l, err := f.CreateLogsToLogs(t.Context(), set, cfg, s.logs)
	require.NoError(t, err)
	tr, err := f.CreateLogsToTraces(t.Context(), set, cfg, s.traces)
	require.NoError(t, err)
	m, err := f.CreateLogsToMetrics(t.Context(), set, cfg, s.metrics)
	require.NoError(t, err)
	cs = append(cs, l, tr, m)
	for _, c := range cs {
		s.conns = append(s.conns, c.(*correlator))
	}
	return s
}

func runScenario(t *testing.T, sc *scenario) *sinks {
	return runScenarioAs(t, sc, false)
}

func runScenarioAs(t *testing.T, sc *scenario, podOnResource bool) *sinks {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	if sc.Config != nil {
		require.NoError(t, confmap.NewFromStringMap(sc.Config).Unmarshal(cfg))
	}
	require.NoError(t, confmap.Validate(cfg))
	s := newSinks(t, cfg)
	var last time.Time
	for _, batch := range sc.Batches {
		// Each output kind gets its own copy, as the collector's fan-out
		// does for a consumer that mutates. Events are grouped into one
		// resource per node, so within a batch they reach the connector
		// node by node in order of first appearance.
		for _, c := range s.conns {
			ld := plog.NewLogs()
			if podOnResource {
				podResources(t, ld, batch)
			} else {
				nodeResources(t, ld, batch)
			}
			require.NoError(t, c.ConsumeLogs(t.Context(), ld))
		}
		for _, c := range s.conns {
			last = c.eng.Watermark()
		}
	}
	if sc.Advance != "" {
		d, err := time.ParseDuration(sc.Advance)
		require.NoError(t, err)
		for _, c := range s.conns {
			c.advance(t.Context(), last.Add(d))
		}
	}
	for _, c := range s.conns {
		require.NoError(t, c.Shutdown(t.Context()))
	}
	return s
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	require.NoError(t, err)
	var inputs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.yaml") {
			inputs = append(inputs, f)
		}
	}
	require.NotEmpty(t, inputs)
	for _, path := range inputs {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			var sc scenario
			dec := yaml.NewDecoder(strings.NewReader(string(raw)))
			dec.KnownFields(true)
			require.NoError(t, dec.Decode(&sc))
			s := runScenario(t, &sc)
			got := digestOf(t, s)
			checkExpect(t, &sc, got)
			out, err := yaml.Marshal(got)
			require.NoError(t, err)
			golden := strings.TrimSuffix(path, ".yaml") + ".golden.yaml"
			if *update {
				require.NoError(t, os.WriteFile(golden, out, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), string(out))

			// The same events with the pods on the Resource, as the
			// enrichment processor writes them, tell the same story.
			onRes := digestOf(t, runScenarioAs(t, &sc, true))
			out, err = yaml.Marshal(onRes)
			require.NoError(t, err)
			require.Equal(t, string(want), string(out), "pods on the Resource")
		})
	}
}

func checkExpect(t *testing.T, sc *scenario, d *digest) {
	t.Helper()
	got := []string{}
	var opened []incidentDigest
	for _, in := range d.Incidents {
		got = append(got, in.Rule+" "+in.State)
		if in.State == unifiedevent.IncidentOpened {
			opened = append(opened, in)
		}
	}
	want := sc.Expect.Incidents
	if want == nil {
		want = []string{}
	}
	require.Equal(t, want, got, "incident records")
	for i, ids := range sc.Expect.Members {
		require.Less(t, i, len(opened))
		last := lastRecordOf(d, opened[i].ID)
		for _, id := range ids {
			require.Contains(t, last.Members, id, "incident %d (%s)", i, opened[i].Rule)
		}
	}
	for _, in := range d.Incidents {
		for _, id := range sc.Expect.NotMembers {
			require.NotContains(t, in.Members, id, "incident %s", in.Rule)
		}
	}
	inputs := 0
	for _, b := range sc.Batches {
		inputs += len(b)
	}
	require.Equal(t, inputs, d.PassedThrough, "every input record passes on")
}

func lastRecordOf(d *digest, id string) incidentDigest {
	var last incidentDigest
	for _, in := range d.Incidents {
		if in.ID == id {
			last = in
		}
	}
	return last
}
