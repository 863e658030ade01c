// Package k8stest gives Tapio's tests a real Kubernetes control plane: etcd
// and kube-apiserver built from Go modules into a cache folder, started on
// loopback with RBAC on, plus kwok to make nodes Ready and pods Running.
//
// Fakes cannot produce what the receivers must survive (410 Gone, API server
// restarts, RBAC refusals, streaming lists), so every Kubernetes test in the
// repository runs against this harness. A test that cannot get a control
// plane fails with the reason and the command that prepares the assets; it
// never skips.
//
// Typical use:
//
//	c := k8stest.Start(t, k8stest.Options{Kwok: true, Users: []string{"viewer"}})
//	c.AddNode(ctx, "node-a")            // kwok makes it Ready, its pods Running
//	client := c.Client()                // admin (system:masters)
//	cfg := c.ConfigFor("viewer")        // no rights until the test grants them
//	path := c.Kubeconfig("viewer")      // the same, as a kubeconfig file
//	c.APIServer(0).Stop()               // and Start(ctx) again, same address
//
// With Options.APIServers = 2 a test can change objects through the second
// server while the first is down. The binaries live in AssetsDir (override
// with TAPIO_K8S_ASSETS) and are built once, under a file lock, by
// EnsureAssets or `go run ./internal/k8stest/cmd/k8sassets`; the folder holds
// kube-apiserver and etcd side by side, as envtest's KUBEBUILDER_ASSETS
// expects.
package k8stest
