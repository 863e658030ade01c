package deploycheck

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnrichAccess is what the tapio_k8s_enrich processor reads from the API
// server whatever its settings: it watches pods and Services cluster-wide
// (a peer IP may be any pod's or Service's), and the metadata of
// ReplicaSets and Jobs to walk owner chains up to the workload. It is
// written out here because the processor's watches are not configurable;
// keep it in step with processor/k8senrichprocessor.
var EnrichAccess = listWatch(
	[2]string{"", "pods"},
	[2]string{"", "services"},
	[2]string{"apps", "replicasets"},
	[2]string{"batch", "jobs"},
)

func listWatch(resources ...[2]string) []Access {
	var out []Access
	for _, r := range resources {
		for _, verb := range []string{"list", "watch"} {
			out = append(out, Access{Group: r[0], Resource: r[1], Verb: verb})
		}
	}
	return out
}

// UsesComponent reports whether a pipeline of the collector config at path
// uses a component of type typ (as typ or typ/name) in the given role:
// receivers, processors or exporters. A component only configured is
// never started, so it needs nothing.
func UsesComponent(path, role, typ string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("read collector config: %w", err)
	}
	var doc struct {
		Service struct {
			Pipelines map[string]map[string][]string `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false, fmt.Errorf("parse collector config %s: %w", path, err)
	}
	for _, p := range doc.Service.Pipelines {
		for _, id := range p[role] {
			if id == typ || strings.HasPrefix(id, typ+"/") {
				return true, nil
			}
		}
	}
	return false, nil
}

// Union merges access lists, each entry once, in first-seen order.
func Union(lists ...[]Access) []Access {
	seen := map[Access]bool{}
	var out []Access
	for _, l := range lists {
		for _, a := range l {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}
