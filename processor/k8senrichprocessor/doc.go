// Package k8senrichprocessor ties UnifiedEvents to Kubernetes: the pod,
// container, workload and Services of the process or connection an event
// is about, and of the peer on the far side of a connection.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package k8senrichprocessor
