// Package k8sclient builds Kubernetes API clients the one way every Tapio
// component authenticates: as the pod's service account, or from a
// kubeconfig outside a cluster.
package k8sclient
