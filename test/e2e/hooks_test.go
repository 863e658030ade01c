package e2e

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// HOOK points for the components being built next to this test
// (tapio_k8s_enrich, issue 7; tapio_correlation, issue 8). Each one is
// configured and checked only when the distribution compiles it in (its
// import is in distributions/otelcol-tapio/components.go), so this test
// runs today and covers them the day they are added to builder-config.yaml.
// The YAML below is the components' expected shape; adjust it to their
// config.go when wiring them.

const (
	enrichImport      = "github.com/yairfalse/tapio/processor/k8senrichprocessor"
	correlationImport = "github.com/yairfalse/tapio/connector/correlationconnector"
)

type hooks struct {
	enrich, correlation bool
}

// pipelineHooks adds the compiled-in components to cfg.
func pipelineHooks(t *testing.T, cfg *loadgen.Config) hooks {
	t.Helper()
	h := hooks{enrich: compiledIn(t, enrichImport), correlation: compiledIn(t, correlationImport)}
	if h.enrich {
		// HOOK(enrich): against the same API server as tapio_k8s_watch.
		cfg.Enrich = "  tapio_k8s_enrich:\n    auth_type: kubeconfig\n    kubeconfig: " + strconv.Quote(cfg.K8s.Kubeconfig) + "\n    node_name: " + cfg.NodeName
		cfg.ExtraProcessors = append(cfg.ExtraProcessors, "tapio_k8s_enrich")
	} else {
		t.Log("HOOK(enrich): tapio_k8s_enrich is not in the distribution yet; enrichment is not checked")
	}
	if h.correlation {
		// HOOK(correlation): events go into the connector too, and its
		// incidents out through the same file exporter.
		cfg.Connectors = "  tapio_correlation: {}"
		cfg.ExtraExporterIDs = append(cfg.ExtraExporterIDs, "tapio_correlation")
		cfg.ExtraPipelines = "    logs/incidents:\n      receivers: [tapio_correlation]\n      exporters: [file]"
	} else {
		t.Log("HOOK(correlation): tapio_correlation is not in the distribution yet; incidents are not checked")
	}
	return h
}

// check runs the compiled-in components' assertions on what the trouble
// in TestAgentEndToEnd produced.
func (h hooks) check(t *testing.T, a *agent) {
	if h.enrich {
		t.Run("enriched", func(t *testing.T) {
			// The K8s Event names its pod; enrichment adds the node the
			// agent runs on to every event of this host.
			ev := a.await(t, "an enriched OOM kill", func(e *ue.Event) bool {
				return e.Name == ue.NameOOMKill && e.K8s != nil && e.K8s.NodeName != ""
			})
			assert.Equal(t, a.cfg.NodeName, ev.K8s.NodeName)
		})
	}
	if h.correlation {
		t.Run("incidents", func(t *testing.T) {
			ooms := a.all(t, func(e *ue.Event) bool { return e.Name == ue.NameOOMKill })
			require.NotEmpty(t, ooms)
			ids := make([]string, 0, len(ooms))
			for _, e := range ooms {
				ids = append(ids, e.ID)
			}
			ev := a.await(t, "an OOM incident", func(e *ue.Event) bool {
				return e.Name == ue.NameIncident && e.Incident != nil && e.Incident.Rule == "oom" &&
					slices.ContainsFunc(e.Incident.MemberIDs, func(id string) bool { return slices.Contains(ids, id) })
			})
			assert.NotEmpty(t, ev.Incident.RootCause)
			a.await(t, "a crash-loop incident", func(e *ue.Event) bool {
				return e.Name == ue.NameIncident && e.Incident != nil && e.Incident.Rule == "crash_loop"
			})
		})
	}
}
