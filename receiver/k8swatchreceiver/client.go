package k8swatchreceiver

import (
	"fmt"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// clients are the API clients a receiver uses, built once at Start.
type clients struct {
	typed    kubernetes.Interface
	dynamic  dynamic.Interface
	metadata metadata.Interface
}

// restConfig authenticates as the pod's service account or from a
// kubeconfig. It does not contact the server: an API server that is down
// at start is retried by the watches, not a failed collector start.
func (c *Config) restConfig() (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	switch c.AuthType {
	case AuthServiceAccount:
		cfg, err = rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("auth_type service_account: %w (outside a pod use auth_type kubeconfig)", err)
		}
	case AuthKubeconfig:
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if c.Kubeconfig != "" {
			rules.ExplicitPath = c.Kubeconfig
		}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("auth_type kubeconfig: %w", err)
		}
	default:
		return nil, fmt.Errorf("auth_type %q %w", c.AuthType, errAuthType)
	}
	cfg.QPS, cfg.Burst = c.QPS, c.Burst
	cfg.UserAgent = "otelcol-tapio/tapio_k8s_watch"
	return cfg, nil
}

func newClients(cfg *rest.Config) (*clients, error) {
	// Protobuf for the typed client: about a third of JSON's bytes on the
	// wire and less garbage when a re-list decodes every pod.
	typedCfg := rest.CopyConfig(cfg)
	typedCfg.ContentType = "application/vnd.kubernetes.protobuf"
	typedCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	typed, err := kubernetes.NewForConfig(typedCfg)
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create dynamic client: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create metadata client: %w", err)
	}
	return &clients{typed: typed, dynamic: dyn, metadata: md}, nil
}
