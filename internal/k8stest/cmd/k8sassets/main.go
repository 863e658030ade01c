// Command k8sassets builds the control-plane binaries the Kubernetes tests
// run (kube-apiserver, etcd, kwok) into the harness's cache folder, so CI
// and `make test` do not pay for the build inside a test's time limit. It
// prints the folder; a second run finds everything in place and returns at
// once.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/yairfalse/tapio/internal/k8stest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	assets, err := k8stest.EnsureAssets(ctx, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8sassets: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(assets.Dir)
}
