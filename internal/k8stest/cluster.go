package k8stest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// AdminUser is in system:masters: it may do anything, RBAC aside.
const AdminUser = "admin"

// Options shape a cluster. The zero value is one API server without kwok.
type Options struct {
	// Kwok runs kwok, which makes nodes made with AddNode Ready and their
	// pods Running with IPs, as a kubelet would.
	Kwok bool
	// Users are extra identities that authenticate by token and hold no
	// rights until the test grants them through RBAC; ConfigFor returns
	// their client configs.
	Users []string
	// APIServers is how many API servers share the one etcd, as in an HA
	// control plane; with two, a test can change objects through one
	// while the other is down. Zero means one.
	APIServers int
	// APIServerFlags are appended to every API server's command line.
	APIServerFlags []string
}

// Cluster is a running control plane. Its methods are safe for concurrent
// use by the test and the code under test.
type Cluster struct {
	opts   Options
	assets Assets
	dir    string

	etcd       *process
	etcdURL    string
	apiServers []*APIServer
	kwok       *process

	tokens    map[string]string
	tokenFile string
	saKeyFile string

	stopOnce sync.Once
}

// Start brings a cluster up for one test and stops it when the test ends.
// When the harness cannot start it the test fails, naming the reason and
// the command that builds the assets: a Kubernetes test never skips.
func Start(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	if err := checkBuildTime(tb); err != nil {
		tb.Fatalf("k8stest: cannot start a real kube-apiserver for this test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c, err := New(ctx, opts, tb.TempDir(), testLog{tb})
	if err != nil {
		tb.Fatalf("k8stest: cannot start a real kube-apiserver for this test: %v\n"+
			"The binaries are built once into %s (override with %s); build them ahead with `%s`.",
			err, assetsDirForMessage(), AssetsEnv, PrepareCommand)
	}
	tb.Cleanup(c.Stop)
	return c
}

// buildTime is what a cold build of the assets takes on a busy two-core
// machine, with margin.
const buildTime = 15 * time.Minute

// checkBuildTime fails fast when the assets are missing and the test's
// deadline leaves no time to build them: otherwise go test's default
// 10-minute timeout would kill the build halfway with a goroutine dump
// instead of saying what to run.
func checkBuildTime(tb testing.TB) error {
	dir, err := AssetsDir()
	if err != nil {
		return err
	}
	missing := assetsIn(dir).missing()
	if len(missing) == 0 {
		return nil
	}
	d, ok := tb.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return nil
	}
	if deadline, has := d.Deadline(); has && time.Until(deadline) < buildTime {
		return fmt.Errorf("the control-plane binaries %v are not built in %s, and building them takes longer than this test run's timeout allows; "+
			"build them first with `%s` (about 5-8 minutes once, then cached), or run go test with -timeout 30m", missing, dir, PrepareCommand)
	}
	return nil
}

// New starts a cluster whose files go under dir; the caller must Stop it.
// Missing assets are built first (see EnsureAssets), progress going to log.
func New(ctx context.Context, opts Options, dir string, log io.Writer) (*Cluster, error) {
	assets, err := EnsureAssets(ctx, log)
	if err != nil {
		return nil, err
	}
	if opts.APIServers <= 0 {
		opts.APIServers = 1
	}
	c := &Cluster{opts: opts, assets: assets, dir: dir}
	if err := c.writeCredentials(); err != nil {
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := c.startEtcd(ctx); err != nil {
		return err
	}
	for i := range c.opts.APIServers {
		a, err := newAPIServer(c, i)
		if err != nil {
			return err
		}
		c.apiServers = append(c.apiServers, a)
		if err := a.Start(ctx); err != nil {
			return err
		}
	}
	if err := c.writeKubeconfigs(); err != nil {
		return err
	}
	if err := c.waitDefaultNamespace(ctx); err != nil {
		return err
	}
	if c.opts.Kwok {
		return c.startKwok()
	}
	return nil
}

// waitDefaultNamespace waits for the namespace controller inside the API
// server, which creates "default" shortly after /readyz first passes.
func (c *Cluster) waitDefaultNamespace(ctx context.Context) error {
	client := c.Client()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := client.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the default namespace: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends every process the cluster started, kwok first so it does not
// log a storm of errors against a vanished API server. It is safe to call
// twice.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		if c.kwok != nil {
			c.kwok.stop(5 * time.Second)
		}
		for _, a := range c.apiServers {
			a.Stop()
		}
		if c.etcd != nil {
			c.etcd.stop(5 * time.Second)
		}
	})
}

// APIServer returns the i-th API server, to stop and start it.
func (c *Cluster) APIServer(i int) *APIServer { return c.apiServers[i] }

// Config is the admin's client config for the first API server.
func (c *Cluster) Config() *rest.Config { return c.ConfigFor(AdminUser) }

// ConfigFor is a user's client config for the first API server.
func (c *Cluster) ConfigFor(user string) *rest.Config { return c.ConfigForServer(0, user) }

// ConfigForServer is a user's client config for the i-th API server.
// Each call returns a fresh copy the caller may change.
func (c *Cluster) ConfigForServer(i int, user string) *rest.Config {
	a := c.apiServers[i]
	return &rest.Config{
		Host:            a.Host(),
		BearerToken:     c.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAFile: a.CAFile()},
		// Tests create objects in bursts; the client's default 5 QPS would
		// make them wait on their own rate limiter.
		QPS:   100,
		Burst: 200,
	}
}

// Client is an admin clientset for the first API server.
func (c *Cluster) Client() kubernetes.Interface {
	cs, err := kubernetes.NewForConfig(c.Config())
	if err != nil {
		// Only a malformed config fails here, and the harness built it.
		return nil
	}
	return cs
}

// AddNode creates a node that kwok manages (when Options.Kwok is set): it
// turns Ready and pods bound to it turn Running.
func (c *Cluster) AddNode(ctx context.Context, name string) (*corev1.Node, error) {
	if !c.opts.Kwok {
		return nil, errors.New("add node: the cluster runs without kwok (set Options.Kwok)")
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        name,
		Annotations: map[string]string{kwokAnnotation: "fake"},
		Labels:      map[string]string{"kubernetes.io/hostname": name, "type": "kwok"},
	}}
	return c.Client().CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
}

// LogTails gathers the end of every process's log, for a failing test.
func (c *Cluster) LogTails() string {
	var b strings.Builder
	procs := []*process{c.etcd, c.kwok}
	for _, a := range c.apiServers {
		procs = append(procs, a.proc)
	}
	for _, p := range procs {
		if p != nil {
			fmt.Fprintf(&b, "--- %s ---\n%s\n", p.name, p.logTail())
		}
	}
	return b.String()
}

// testLog sends build progress to the test log, so a slow first run shows
// why it is slow.
type testLog struct{ tb testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func assetsDirForMessage() string {
	if dir, err := AssetsDir(); err == nil {
		return dir
	}
	return "$" + AssetsEnv
}
