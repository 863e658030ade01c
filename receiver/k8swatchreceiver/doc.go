// Package k8swatchreceiver watches the Kubernetes API and emits every watch
// event, the type and the object as JSON, as a raw log record: this node's
// pods and Node everywhere, and Events and configured resources on the one
// receiver that holds the Lease.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package k8swatchreceiver
