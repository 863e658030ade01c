package deploycheck

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/yairfalse/tapio/receiver/k8swatchreceiver"
)

// Access is one thing a client does to the API: a verb on a resource,
// cluster-wide (Namespace "") or in a namespace, on any object (Name "")
// or one named object.
type Access struct {
	Group, Resource, Verb, Namespace, Name string
}

func (a Access) String() string {
	where := "cluster-wide"
	if a.Namespace != "" {
		where = "in " + a.Namespace
	}
	res := a.Resource
	if a.Group != "" {
		res += "." + a.Group
	}
	if a.Name != "" {
		res += "/" + a.Name
	}
	return fmt.Sprintf("%s %s %s", a.Verb, res, where)
}

var errNoWatchReceiver = errors.New("no tapio_k8s_watch receiver in the config")

// WatchReceiverConfig reads a collector config file and returns its
// tapio_k8s_watch receiver's settings as the receiver sees them: the
// factory's defaults with the file's keys on top, validated.
func WatchReceiverConfig(path string) (*k8swatchreceiver.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read collector config: %w", err)
	}
	var doc struct {
		Receivers map[string]map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse collector config %s: %w", path, err)
	}
	f := k8swatchreceiver.NewFactory()
	for id, section := range doc.Receivers {
		if id != f.Type().String() && !strings.HasPrefix(id, f.Type().String()+"/") {
			continue
		}
		cfg := f.CreateDefaultConfig().(*k8swatchreceiver.Config)
		if err := confmap.NewFromStringMap(section).Unmarshal(cfg); err != nil {
			return nil, fmt.Errorf("%s: receiver %s: %w", path, id, err)
		}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("%s: receiver %s: %w", path, id, err)
		}
		return cfg, nil
	}
	return nil, fmt.Errorf("%s: %w", path, errNoWatchReceiver)
}

// NeededAccess is the API access a tapio_k8s_watch receiver with cfg makes
// when its pod runs in podNamespace (POD_NAMESPACE): list and watch per
// stream, and the leader election's Lease. mapper resolves the names in
// resources as kubectl does.
func NeededAccess(cfg *k8swatchreceiver.Config, podNamespace string, mapper meta.RESTMapper) ([]Access, error) {
	var need []Access
	listWatch := func(group, resource string) {
		for _, verb := range []string{"list", "watch"} {
			need = append(need, Access{Group: group, Resource: resource, Verb: verb})
		}
	}
	if cfg.Pods {
		listWatch("", "pods")
	}
	if cfg.Node {
		listWatch("", "nodes")
	}
	clusterScoped := cfg.ClusterScoped != k8swatchreceiver.ClusterScopedOff
	if clusterScoped && cfg.Events {
		listWatch("", "events")
	}
	if clusterScoped {
		for _, r := range cfg.Resources {
			gr, err := resolve(mapper, r.Name)
			if err != nil {
				return nil, err
			}
			listWatch(gr.Group, gr.Resource)
		}
	}
	if cfg.ClusterScoped == k8swatchreceiver.ClusterScopedLeaderElection {
		le := cfg.LeaderElection
		ns := le.LeaseNamespace
		if ns == "" {
			ns = podNamespace
		}
		// client-go's LeaseLock: get and update the named Lease, create it
		// when it is missing.
		lease := Access{Group: "coordination.k8s.io", Resource: "leases", Namespace: ns}
		for _, verb := range []string{"get", "update"} {
			named := lease
			named.Verb, named.Name = verb, le.LeaseName
			need = append(need, named)
		}
		lease.Verb = "create"
		need = append(need, lease)
	}
	return need, nil
}

// resolve maps plural[.version][.group] to the served group and resource.
func resolve(mapper meta.RESTMapper, name string) (schema.GroupResource, error) {
	gvr, gr := schema.ParseResourceArg(name)
	if gvr != nil {
		if full, err := mapper.ResourceFor(*gvr); err == nil {
			return full.GroupResource(), nil
		}
	}
	full, err := mapper.ResourceFor(gr.WithVersion(""))
	if err != nil {
		return schema.GroupResource{}, fmt.Errorf("resource %q: %w", name, err)
	}
	return full.GroupResource(), nil
}

// AgentNeeds is everything the collector config at path asks of the API
// server when it runs in podNamespace: its tapio_k8s_watch receiver's
// streams and Lease, and tapio_k8s_enrich's watches when a pipeline uses it.
func AgentNeeds(path, podNamespace string, mapper meta.RESTMapper) ([]Access, error) {
	var need []Access
	watching, err := UsesComponent(path, "receivers", k8swatchreceiver.NewFactory().Type().String())
	if err != nil {
		return nil, err
	}
	if watching {
		cfg, err := WatchReceiverConfig(path)
		if err != nil {
			return nil, err
		}
		if need, err = NeededAccess(cfg, podNamespace, mapper); err != nil {
			return nil, err
		}
	}
	enriching, err := UsesComponent(path, "processors", "tapio_k8s_enrich")
	if err != nil {
		return nil, err
	}
	if enriching {
		need = Union(need, EnrichAccess)
	}
	return need, nil
}
