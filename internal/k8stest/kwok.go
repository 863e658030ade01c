package k8stest

import (
	"fmt"
	"path/filepath"
)

// kwokAnnotation marks the nodes kwok manages; the harness restricts kwok
// to them so a test's own nodes (made to look like other machines) keep
// whatever status the test gives them.
const kwokAnnotation = "kwok.x-k8s.io/node"

// startKwok runs kwok against the first API server. It needs no readiness
// wait: it acts on nodes as they appear, and tests wait for the state they
// need with require.Eventually.
func (c *Cluster) startKwok() error {
	c.kwok = &process{
		name: "kwok",
		path: c.assets.Kwok,
		log:  filepath.Join(c.dir, "kwok.log"),
		args: []string{
			"--kubeconfig=" + c.Kubeconfig(AdminUser),
			"--config=" + c.assets.KwokStages,
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=" + kwokAnnotation + "=fake",
			"--cidr=10.244.0.0/16",
			"--node-ip=127.0.0.1",
			// An empty address keeps kwok's kubelet-like server unbound, so
			// parallel clusters do not compete for its fixed port.
			"--server-address=",
		},
	}
	if err := c.kwok.start(); err != nil {
		return fmt.Errorf("start kwok: %w", err)
	}
	return nil
}
