package k8swatchreceiver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/yairfalse/tapio/internal/k8sclient"
)

// Authentication modes (package k8sclient owns them).
const (
	AuthServiceAccount = k8sclient.AuthServiceAccount
	AuthKubeconfig     = k8sclient.AuthKubeconfig
)

// Modes of cluster_scoped.
const (
	// ClusterScopedLeaderElection runs the cluster-wide streams on the one
	// receiver holding a Lease: the DaemonSet default, so each Event is
	// emitted once however many nodes there are.
	ClusterScopedLeaderElection = "leader_election"
	// ClusterScopedOn runs them unconditionally, for a single gateway.
	ClusterScopedOn = "on"
	// ClusterScopedOff never runs them, for agents next to a gateway.
	ClusterScopedOff = "off"
)

// Config of the tapio_k8s_watch receiver.
type Config struct {
	// AuthType is service_account (in a pod, the mounted token) or
	// kubeconfig (out of cluster). Default service_account.
	AuthType string `mapstructure:"auth_type"`
	// Kubeconfig is the kubeconfig path for auth_type kubeconfig. Empty:
	// $KUBECONFIG, then ~/.kube/config.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Context picks a kubeconfig context. Empty: the current one.
	Context string `mapstructure:"context"`

	// NodeName is the node whose pods and Node object are watched, and the
	// node written on every record. Empty: NODE_NAME, then the host name.
	NodeName string `mapstructure:"node_name"`

	// Pods watches the pods bound to this node. Default true.
	Pods bool `mapstructure:"pods"`
	// Node watches this node's Node object. Default true.
	Node bool `mapstructure:"node"`
	// Events watches Events cluster-wide, a cluster-scoped stream.
	// Default true.
	Events bool `mapstructure:"events"`
	// Resources are further cluster-scoped streams, for the gateway role.
	Resources []ResourceConfig `mapstructure:"resources"`

	// ClusterScoped decides where the cluster-scoped streams (events,
	// resources) run: leader_election, on or off. Default leader_election.
	ClusterScoped  string               `mapstructure:"cluster_scoped"`
	LeaderElection LeaderElectionConfig `mapstructure:"leader_election"`

	// QPS and Burst limit this receiver's requests to the API server;
	// watches are long-lived, so they bound the cost of re-lists after an
	// outage. Defaults 5 and 10, client-go's own.
	QPS   float32 `mapstructure:"qps"`
	Burst int     `mapstructure:"burst"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ResourceConfig is one extra resource to watch cluster-wide.
type ResourceConfig struct {
	// Name is the resource as kubectl takes it: plural, then optionally
	// version and group (services, deployments.apps,
	// endpointslices.v1.discovery.k8s.io). It is resolved through discovery.
	Name string `mapstructure:"name"`
	// MetadataOnly watches only metadata (names, labels, owners), which is
	// all an owner chain or a name lookup needs and a fraction of the
	// bytes. Default false.
	MetadataOnly bool `mapstructure:"metadata_only"`
}

// LeaderElectionConfig is the Lease the cluster-scoped streams run under.
type LeaderElectionConfig struct {
	// LeaseName default tapio-k8s-watch.
	LeaseName string `mapstructure:"lease_name"`
	// LeaseNamespace: empty means POD_NAMESPACE, then default.
	LeaseNamespace string `mapstructure:"lease_namespace"`
	// LeaseDuration is how long followers wait before taking over from a
	// silent leader. Default 15s. Events that happened this long before
	// a new leader starts are emitted by it, so a handover loses none.
	LeaseDuration time.Duration `mapstructure:"lease_duration"`
	// RenewDeadline is how long the leader retries renewing before it
	// gives up and stops its streams. Default 10s.
	RenewDeadline time.Duration `mapstructure:"renew_deadline"`
	// RetryPeriod is how often candidates try to acquire. Default 2s.
	RetryPeriod time.Duration `mapstructure:"retry_period"`
}

var (
	errAuthType      = k8sclient.ErrAuthType
	errClusterScoped = errors.New("must be leader_election, on or off")
	errResourceName  = errors.New("is not a resource name (plural[.version][.group])")
	errDuplicate     = errors.New("is listed twice")
	errNothing       = errors.New("nothing to watch: pods, node, events and resources are all off")
	errPositive      = errors.New("must be positive")
	errEmpty         = errors.New("must not be empty")
	errLeaseTiming   = errors.New("must be lease_duration > renew_deadline > retry_period")
)

// Validate checks the configuration. Every error names the key.
func (c *Config) Validate() error {
	var errs []error
	if c.AuthType != AuthServiceAccount && c.AuthType != AuthKubeconfig {
		errs = append(errs, fmt.Errorf("auth_type %q %w", c.AuthType, errAuthType))
	}
	switch c.ClusterScoped {
	case ClusterScopedLeaderElection, ClusterScopedOn, ClusterScopedOff:
	default:
		errs = append(errs, fmt.Errorf("cluster_scoped %q %w", c.ClusterScoped, errClusterScoped))
	}
	if !c.Pods && !c.Node && !c.Events && len(c.Resources) == 0 {
		errs = append(errs, errNothing)
	}
	seen := map[string]bool{}
	for i, r := range c.Resources {
		if !validResourceName(r.Name) {
			errs = append(errs, fmt.Errorf("resources[%d].name %q %w", i, r.Name, errResourceName))
		}
		if seen[r.Name] {
			errs = append(errs, fmt.Errorf("resources[%d].name %q %w", i, r.Name, errDuplicate))
		}
		seen[r.Name] = true
	}
	if c.QPS <= 0 {
		errs = append(errs, fmt.Errorf("qps %w, got %v", errPositive, c.QPS))
	}
	if c.Burst <= 0 {
		errs = append(errs, fmt.Errorf("burst %w, got %d", errPositive, c.Burst))
	}
	if c.ClusterScoped == ClusterScopedLeaderElection {
		le := c.LeaderElection
		if le.LeaseName == "" {
			errs = append(errs, fmt.Errorf("leader_election.lease_name %w", errEmpty))
		}
		if le.RetryPeriod <= 0 || le.RenewDeadline <= le.RetryPeriod || le.LeaseDuration <= le.RenewDeadline {
			errs = append(errs, fmt.Errorf("leader_election: %w, got %s, %s, %s", errLeaseTiming, le.LeaseDuration, le.RenewDeadline, le.RetryPeriod))
		}
	}
	return errors.Join(errs...)
}

// validResourceName accepts what schema.ParseResourceArg reads: a
// lower-case plural, then dot-separated version and group parts.
func validResourceName(name string) bool {
	if name == "" || strings.ContainsAny(name, " /:") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return false
	}
	_, gr := schema.ParseResourceArg(name)
	return gr.Resource != "" && strings.ToLower(gr.Resource) == gr.Resource
}
