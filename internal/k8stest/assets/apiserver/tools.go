//go:build tools

// Package apiserver pins kube-apiserver's command so go mod tidy keeps
// every module it needs; the harness builds it with go build.
package apiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
