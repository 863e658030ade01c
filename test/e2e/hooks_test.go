package e2e

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// Hook points for the components built next to the receivers:
// tapio_k8s_enrich (issue 7) and tapio_correlation (issue 8). Each is
// configured and checked when the distribution compiles it in (its import
// is in distributions/otelcol-tapio/components.go), so the test runs on a
// distribution with or without them.

const (
	enrichImport       = "github.com/yairfalse/tapio/processor/k8senrichprocessor"
	correlationImport  = "github.com/yairfalse/tapio/connector/correlationconnector"
	unifiedEventImport = "github.com/yairfalse/tapio/exporter/unifiedeventexporter"
)

type hooks struct {
	enrich, correlation, unifiedEvent bool
	// jsonl is where tapio_unified_event writes.
	jsonl string
}

// pipelineHooks adds the compiled-in components to cfg, in the agent's
// order: decode, enrich, correlate, export.
func pipelineHooks(t *testing.T, cfg *loadgen.Config) hooks {
	t.Helper()
	h := hooks{unifiedEvent: compiledIn(t, unifiedEventImport)}
	if h.unifiedEvent {
		// Beside the file exporter, on the same records.
		h.jsonl = filepath.Join(t.TempDir(), "events.jsonl")
		cfg.ExtraExporters = "  tapio_unified_event:\n    file:\n      path: " + strconv.Quote(h.jsonl)
		cfg.ExtraExporterIDs = append(cfg.ExtraExporterIDs, "tapio_unified_event")
	} else {
		t.Log("tapio_unified_event is not in the distribution: its JSON lines are not checked")
	}
	h.enrich, h.correlation = enrichAndCorrelate(t, cfg)
	return h
}

// enrichAndCorrelate adds tapio_k8s_enrich and tapio_correlation to cfg
// when the distribution has them, and reports which it added. cfg's
// exporters must be set: with the connector they move behind it.
func enrichAndCorrelate(tb testing.TB, cfg *loadgen.Config) (enrich, correlation bool) {
	tb.Helper()
	enrich, correlation = compiledIn(tb, enrichImport), compiledIn(tb, correlationImport)
	if enrich {
		// Against the same API server as tapio_k8s_watch, for this node's
		// pods; cgroups are read from this host's v2 hierarchy.
		cfg.Enrich = "  tapio_k8s_enrich:\n    auth_type: kubeconfig\n    kubeconfig: " + strconv.Quote(cfg.K8s.Kubeconfig) +
			"\n    node_name: " + cfg.NodeName + "\n    qps: 50\n    burst: 100"
		cfg.ExtraProcessors = append(cfg.ExtraProcessors, "tapio_k8s_enrich")
	} else {
		tb.Log("tapio_k8s_enrich is not in the distribution: no enrichment")
	}
	if correlation {
		// The exporters move behind the connector, so they must be known
		// now; one set later would receive nothing.
		require.NotEmpty(tb, cfg.Exporters(), "set the exporters before the hooks")
		// The connector passes every event on and adds incidents; the
		// exporters hang off its pipeline so each record is written once.
		cfg.Connectors = "  tapio_correlation: {}"
		if cfg.ExtraPipelines != "" {
			cfg.ExtraPipelines += "\n"
		}
		cfg.ExtraPipelines += "    logs/correlated:\n      receivers: [tapio_correlation]\n      exporters: [" +
			strings.Join(cfg.Exporters(), ", ") + "]"
		cfg.LogsExporters = []string{"tapio_correlation"}
	} else {
		tb.Log("tapio_correlation is not in the distribution: no incidents")
	}
	return enrich, correlation
}

// check runs the compiled-in components' assertions on what the trouble
// in TestAgentEndToEnd produced in and about app.
func (h hooks) check(t *testing.T, a *agent, app *pod) {
	inApp := func(e *ue.Event) bool { return e.K8s != nil && e.K8s.PodName == app.Name }
	if h.enrich {
		t.Run("enriched", func(t *testing.T) {
			// The kernel only knows the OOM victim's cgroup; enrichment
			// names the pod, its container and its workload.
			ev := a.await(t, "the OOM kill enriched with its pod", func(e *ue.Event) bool {
				return e.Name == ue.NameOOMKill && inApp(e)
			})
			assert.Equal(t, string(app.UID), ev.K8s.PodUID)
			assert.Equal(t, "default", ev.K8s.Namespace)
			assert.Equal(t, a.cfg.NodeName, ev.K8s.NodeName)
			assert.Equal(t, "StatefulSet", ev.K8s.WorkloadKind)
			assert.Equal(t, "e2e-db", ev.K8s.WorkloadName)
			require.NotNil(t, ev.Container)
			assert.Equal(t, app.containerID, ev.Container.ID)
			// Enrichment writes the pod on the Resource the record is
			// exported under, once per pod per batch, not on the record.
			exported := a.exported(t, ev.ID)
			res := exported.Resource.Attributes().AsRaw()
			assert.Equal(t, string(app.UID), res["k8s.pod.uid"])
			assert.Equal(t, app.Name, res["k8s.pod.name"])
			assert.Equal(t, "default", res["k8s.namespace.name"])
			assert.Equal(t, a.cfg.NodeName, res["k8s.node.name"])
			assert.Equal(t, app.containerID, res["container.id"])
			assert.Equal(t, "e2e-db", res["k8s.statefulset.name"])
			_, onRecord := exported.Record.Attributes().Get("k8s.pod.uid")
			assert.False(t, onRecord, "the pod is not repeated on the record")
			// Late when the cgroup was new and the record waited for it.
			st, _ := exported.Record.Attributes().Get("tapio.enrichment.status")
			assert.Contains(t, []string{"resolved", "late"}, st.Str())

			exits := a.all(t, func(e *ue.Event) bool {
				return e.Name == ue.NameProcessExit && inApp(e) && e.Process != nil &&
					e.Process.ExitCode != nil && *e.Process.ExitCode == 42
			})
			assert.Len(t, exits, 5, "every crash of the loop is the pod's")
		})
	}
	if h.correlation {
		t.Run("incidents", func(t *testing.T) {
			ooms := a.all(t, func(e *ue.Event) bool { return e.Name == ue.NameOOMKill && inApp(e) })
			require.NotEmpty(t, ooms, "the OOM kill must be tied to the pod for an incident to open")
			ev := a.await(t, "an OOM incident with the kill as a member", func(e *ue.Event) bool {
				return e.Name == ue.NameIncident && e.Incident != nil && e.Incident.Rule == "oom" &&
					slices.Contains(e.Incident.MemberIDs, ooms[0].ID)
			})
			assert.NotEmpty(t, ev.Incident.RootCause)
			assert.Contains(t, ev.Incident.Pods, "default/"+app.Name)
			ev = a.await(t, "a crash-loop incident", func(e *ue.Event) bool {
				return e.Name == ue.NameIncident && e.Incident != nil && e.Incident.Rule == "crash_loop"
			})
			assert.NotEmpty(t, ev.Incident.RootCause)
		})
	}
	if h.unifiedEvent {
		t.Run("unified event lines", func(t *testing.T) { checkJSONLines(t, a, h.jsonl, app) })
	}
}

// exported returns the exported record of the event with id, with the
// Resource it came under.
func (a *agent) exported(t *testing.T, id string) loadgen.Exported {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.seen {
		if e.Event != nil && e.Event.ID == id {
			return e
		}
	}
	t.Fatalf("event %s was not exported", id)
	return loadgen.Exported{}
}
