// Package deploycheck proves that the manifests under deploy/ install on a
// real Kubernetes API server: it renders each Kustomize base and overlay
// with the kustomize library (what `kubectl kustomize` runs), applies the
// objects with server-side dry-run, and derives from the agent's collector
// config the API access its tapio_k8s_watch receiver needs, so a test can
// hold the rendered RBAC to exactly that. `make deploy-check` runs its
// tests against internal/k8stest.
package deploycheck
