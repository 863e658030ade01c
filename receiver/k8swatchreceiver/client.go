package k8swatchreceiver

import (
	"fmt"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/yairfalse/tapio/internal/k8sclient"
)

// clients are the API clients a receiver uses, built once at Start.
type clients struct {
	typed    kubernetes.Interface
	dynamic  dynamic.Interface
	metadata metadata.Interface
}

// restConfig authenticates as the pod's service account or from a
// kubeconfig, through the setup every Tapio component shares.
func (c *Config) restConfig() (*rest.Config, error) {
	return k8sclient.RESTConfig(k8sclient.Auth{
		Type: c.AuthType, Kubeconfig: c.Kubeconfig, Context: c.Context,
		QPS: c.QPS, Burst: c.Burst, UserAgent: "otelcol-tapio/tapio_k8s_watch",
	})
}

func newClients(cfg *rest.Config) (*clients, error) {
	typed, err := k8sclient.Typed(cfg)
	if err != nil {
		return nil, err
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
