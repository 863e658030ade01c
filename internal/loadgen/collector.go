package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/yairfalse/tapio/internal/testkit"
)

// DistributionPackage is the import path of the distribution's main
// package, relative to the module root.
const DistributionPackage = "./distributions/otelcol-tapio"

// Build compiles the distribution into dir with the flags the Makefile and
// ocb use (CGO off, -trimpath, stripped), so the binary under test is the
// one users get and the Go build cache is shared with `make build`.
func Build(ctx context.Context, moduleRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "otelcol-tapio")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, DistributionPackage)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", DistributionPackage, err, bytes.TrimSpace(out))
	}
	return bin, nil
}

// ModuleRoot walks up from the working directory to the folder holding
// go.mod: go test runs a package's tests in the package's folder.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Collector is one running otelcol-tapio process.
type Collector struct {
	PID     int
	Started time.Time

	cmd    *exec.Cmd
	exited chan struct{}
	output *testkit.SyncBuffer
	stop   sync.Once
	err    error
}

// Start runs bin on config. The process dies with the caller (Pdeathsig),
// so a crashed test leaves no collector holding BPF programs behind.
//
// flags follow --config on the command line: how a benchmark tries the
// collector's feature gates (--feature-gates=...). env, NAME=value each,
// is added to the inherited environment: how it tries the Go runtime's
// knobs (GOGC, GOMEMLIMIT) on the collector alone.
func Start(bin, config string, flags []string, env ...string) (*Collector, error) {
	out := &testkit.SyncBuffer{}
	cmd := exec.Command(bin, append([]string{"--config", config}, flags...)...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &Collector{PID: cmd.Process.Pid, Started: started, cmd: cmd, exited: make(chan struct{}), output: out}
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// WaitReady polls the health_check extension until it answers 200 and
// returns the time from process start to that answer. Polling every
// millisecond keeps the measurement's own error below the figure's
// precision.
func (c *Collector) WaitReady(ctx context.Context, healthURL string) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthURL, nil)
		if err != nil {
			return 0, fmt.Errorf("health request: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(c.Started), nil
			}
		}
		select {
		case <-c.exited:
			return 0, fmt.Errorf("collector exited before it was ready: %s", c.Output())
		case <-ctx.Done():
			return 0, fmt.Errorf("collector not ready at %s: %w: %s", healthURL, ctx.Err(), c.Output())
		case <-tick.C:
		}
	}
}

// Exited reports whether the process has ended.
func (c *Collector) Exited() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// Output is everything the collector logged so far.
func (c *Collector) Output() string { return c.output.String() }

// Stop asks the collector to shut down (SIGTERM, as a kubelet does) and
// kills it if it has not exited in time. Safe to call twice.
func (c *Collector) Stop() error {
	c.stop.Do(func() {
		if c.Exited() {
			return
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
			return
		case <-time.After(30 * time.Second):
		}
		_ = c.cmd.Process.Kill()
		<-c.exited
		c.err = errors.New("collector did not shut down within 30s of SIGTERM and was killed")
	})
	return c.err
}

// ExitCode is the process's exit status once it ended, else -1.
func (c *Collector) ExitCode() int {
	if !c.Exited() || c.cmd.ProcessState == nil {
		return -1
	}
	return c.cmd.ProcessState.ExitCode()
}
