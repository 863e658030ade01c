package k8stest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// startEtcd runs a single-member etcd on loopback. fsync is off: the data
// lives in the test's temporary folder and dies with it, and fsync on a
// busy CI disk is what makes etcd slow enough for API requests to time out.
func (c *Cluster) startEtcd(ctx context.Context) error {
	clientPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	c.etcdURL = "http://" + hostPort(clientPort)
	peerURL := "http://" + hostPort(peerPort)
	c.etcd = &process{
		name: "etcd",
		path: c.assets.Etcd,
		log:  filepath.Join(c.dir, "etcd.log"),
		args: []string{
			"--name=default",
			"--data-dir=" + filepath.Join(c.dir, "etcd-data"),
			"--listen-client-urls=" + c.etcdURL,
			"--advertise-client-urls=" + c.etcdURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=default=" + peerURL,
			"--unsafe-no-fsync=true",
			"--log-level=warn",
		},
	}
	if err := c.etcd.start(); err != nil {
		return err
	}
	if err := waitEtcd(ctx, c.etcd, c.etcdURL); err != nil {
		c.etcd.stop(5 * time.Second)
		return fmt.Errorf("etcd did not become healthy: %w\n--- etcd log tail ---\n%s", err, c.etcd.logTail())
	}
	return nil
}

func waitEtcd(ctx context.Context, p *process, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		if done, err := p.exited(); done {
			return fmt.Errorf("exited: %v", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"true"`) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
