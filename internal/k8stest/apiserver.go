package k8stest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// APIServer is one kube-apiserver of the cluster. Stop and Start keep its
// address, certificates and etcd data, as a restart of a real control
// plane would: clients see a dropped connection, then the same server.
type APIServer struct {
	proc      *process
	port      int
	certDir   string
	adminAuth string
}

// The flags that work on a loopback-only machine (see DESIGN.md):
// --endpoint-reconciler-type=none because the reconciler refuses a loopback
// advertise address, and the ServiceAccount admission plugin off because no
// controller manager creates the default service accounts it waits for.
func newAPIServer(c *Cluster, index int) (*APIServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	name := "kube-apiserver-" + strconv.Itoa(index)
	certDir := filepath.Join(c.dir, name+"-certs")
	args := []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + certDir,
		"--endpoint-reconciler-type=none",
		"--token-auth-file=" + c.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-key-file=" + c.saKeyFile,
		"--service-account-signing-key-file=" + c.saKeyFile,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		// Keeps the process lean: nothing here exports metrics or traces.
		"--profiling=false",
	}
	args = append(args, c.opts.APIServerFlags...)
	return &APIServer{
		proc:      &process{name: name, path: c.assets.APIServer, args: args, log: filepath.Join(c.dir, name+".log")},
		port:      port,
		certDir:   certDir,
		adminAuth: "Bearer " + c.tokens[AdminUser],
	}, nil
}

// Host is the server's URL, https://127.0.0.1:<port>.
func (a *APIServer) Host() string { return "https://" + hostPort(a.port) }

// CAFile holds the certificate the server made for itself on first start;
// clients trust it directly.
func (a *APIServer) CAFile() string { return filepath.Join(a.certDir, "apiserver.crt") }

// Start starts the server (again) and waits until /readyz passes, which
// includes the RBAC bootstrap roles being in place.
func (a *APIServer) Start(ctx context.Context) error {
	if err := a.proc.start(); err != nil {
		return err
	}
	if err := a.waitReady(ctx); err != nil {
		a.proc.stop(5 * time.Second)
		return fmt.Errorf("%s did not become ready: %w\n--- %s log tail ---\n%s", a.proc.name, err, a.proc.name, a.proc.logTail())
	}
	return nil
}

// Stop ends the server, gracefully first, so watches see the connection
// close the way they do when a control-plane node is drained.
func (a *APIServer) Stop() { a.proc.stop(15 * time.Second) }

// LogTail is the end of the server's log, for test failure messages.
func (a *APIServer) LogTail() string { return a.proc.logTail() }

func (a *APIServer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	// The serving certificate does not exist until the server writes it,
	// so readiness is probed without verification; clients verify later.
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // loopback readiness probe only
	}
	defer client.CloseIdleConnections()
	var last string
	for {
		if done, err := a.proc.exited(); done {
			return fmt.Errorf("exited: %v", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.Host()+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", a.adminAuth)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last answer: %s)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
