package k8senrichprocessor

import (
	"errors"
	"fmt"
	"time"

	"github.com/yairfalse/tapio/internal/k8sclient"
)

// Config of the tapio_k8s_enrich processor.
type Config struct {
	// AuthType is service_account (in a pod, the mounted token) or
	// kubeconfig (out of cluster). Default service_account.
	AuthType string `mapstructure:"auth_type"`
	// Kubeconfig is the kubeconfig path for auth_type kubeconfig. Empty:
	// $KUBECONFIG, then ~/.kube/config.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Context picks a kubeconfig context. Empty: the current one.
	Context string `mapstructure:"context"`
	// QPS and Burst limit requests to the API server; the watches are
	// long-lived, so they bound the cost of re-lists. Defaults 5 and 10.
	QPS   float32 `mapstructure:"qps"`
	Burst int     `mapstructure:"burst"`

	// NodeName is the node this collector runs on: only its pods' container
	// ids are kept. Empty: NODE_NAME, then the host name.
	NodeName string `mapstructure:"node_name"`

	// PeerPods watches every pod in the cluster, reduced on arrival to
	// what enrichment needs, so the peer of a connection resolves to its
	// pod wherever it runs. False watches only this node's pods: less
	// traffic on a large cluster, but remote peers resolve only to their
	// Service. Default true.
	PeerPods bool `mapstructure:"peer_pods"`

	// HostProc is the host's /proc as the collector sees it, read to find
	// a pid's cgroup. Default /proc (a DaemonSet mounts the host's at
	// /host/proc).
	HostProc string `mapstructure:"host_proc"`
	// CgroupRoot is the host's cgroup v2 mount, walked to map cgroup ids to
	// paths. Empty: /sys/fs/cgroup/unified on hybrid hosts, else
	// /sys/fs/cgroup.
	CgroupRoot string `mapstructure:"cgroup_root"`

	// HoldBack is how long an event whose pod is not known yet waits for
	// the pod to arrive from the API server before it goes on marked
	// miss. Zero sends such events on at once. Default 2s.
	HoldBack time.Duration `mapstructure:"hold_back"`
	// MaxHeldRecords bounds the records held back at once; past it the
	// oldest go on unresolved. Default 10000.
	MaxHeldRecords int `mapstructure:"max_held_records"`
	// DeletedPodRetention is how long a deleted pod, and the IP leases it
	// held, stay resolvable for events still in flight. Default 5m.
	DeletedPodRetention time.Duration `mapstructure:"deleted_pod_retention"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var (
	errNegative  = errors.New("must not be negative")
	errPositive  = errors.New("must be positive")
	errEmpty     = errors.New("must not be empty")
	errRetention = errors.New("must be at least hold_back, or held events could outlive their pod")
)

// Validate checks the configuration. Every error names the key.
func (c *Config) Validate() error {
	var errs []error
	if c.AuthType != k8sclient.AuthServiceAccount && c.AuthType != k8sclient.AuthKubeconfig {
		errs = append(errs, fmt.Errorf("auth_type %q %w", c.AuthType, k8sclient.ErrAuthType))
	}
	if c.QPS <= 0 {
		errs = append(errs, fmt.Errorf("qps %w, got %v", errPositive, c.QPS))
	}
	if c.Burst <= 0 {
		errs = append(errs, fmt.Errorf("burst %w, got %d", errPositive, c.Burst))
	}
	if c.HostProc == "" {
		errs = append(errs, fmt.Errorf("host_proc %w", errEmpty))
	}
	if c.HoldBack < 0 {
		errs = append(errs, fmt.Errorf("hold_back %w, got %s", errNegative, c.HoldBack))
	}
	if c.MaxHeldRecords <= 0 {
		errs = append(errs, fmt.Errorf("max_held_records %w, got %d", errPositive, c.MaxHeldRecords))
	}
	if c.DeletedPodRetention < c.HoldBack {
		errs = append(errs, fmt.Errorf("deleted_pod_retention %s %w (%s)", c.DeletedPodRetention, errRetention, c.HoldBack))
	}
	return errors.Join(errs...)
}
