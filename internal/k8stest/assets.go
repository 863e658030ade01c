package k8stest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// The versions the harness builds. They name the cache folder, so changing
// one builds a fresh set beside the old instead of mixing them.
const (
	KubernetesVersion = "v1.37.2"
	EtcdVersion       = "v3.7.3"
	KwokVersion       = "v0.8.0"
)

// AssetsEnv overrides the folder that holds the built binaries, for CI
// caches and for machines whose home is read-only.
const AssetsEnv = "TAPIO_K8S_ASSETS"

// PrepareCommand is what a person runs to build the assets ahead of the
// tests; failure messages quote it.
const PrepareCommand = "go run ./internal/k8stest/cmd/k8sassets"

// Assets are the paths of the built control-plane binaries. The folder also
// suits controller-runtime's envtest as KUBEBUILDER_ASSETS, since it holds
// kube-apiserver and etcd side by side.
type Assets struct {
	Dir        string
	APIServer  string
	Etcd       string
	Kwok       string
	KwokStages string
}

// AssetsDir is where the binaries live: $TAPIO_K8S_ASSETS, else a folder
// per version set under the user cache, outside the repository so a fresh
// clone or `git clean` does not throw a five-minute build away.
func AssetsDir() (string, error) {
	if dir := os.Getenv(AssetsEnv); dir != "" {
		return filepath.Abs(dir)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache folder (set %s): %w", AssetsEnv, err)
	}
	name := fmt.Sprintf("k8s-%s-etcd-%s-kwok-%s", KubernetesVersion, EtcdVersion, KwokVersion)
	return filepath.Join(base, "tapio", "k8s-assets", name), nil
}

func assetsIn(dir string) Assets {
	return Assets{
		Dir:        dir,
		APIServer:  filepath.Join(dir, "kube-apiserver"),
		Etcd:       filepath.Join(dir, "etcd"),
		Kwok:       filepath.Join(dir, "kwok"),
		KwokStages: filepath.Join(dir, "kwok-stages.yaml"),
	}
}

// missing lists the assets not yet in place. A build writes each file under
// a temporary name and renames it, so a present file is a complete one.
func (a Assets) missing() []string {
	var out []string
	for _, p := range []string{a.Etcd, a.APIServer, a.Kwok, a.KwokStages} {
		if _, err := os.Stat(p); err != nil {
			out = append(out, filepath.Base(p))
		}
	}
	return out
}

// EnsureAssets returns the assets, building whatever is missing. Test
// packages run in parallel, so the build holds an exclusive file lock: the
// first package builds and the others wait, then find everything in place.
// Progress goes to log (nil discards it).
func EnsureAssets(ctx context.Context, log io.Writer) (Assets, error) {
	if log == nil {
		log = io.Discard
	}
	dir, err := AssetsDir()
	if err != nil {
		return Assets{}, err
	}
	a := assetsIn(dir)
	if len(a.missing()) == 0 {
		return a, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Assets{}, fmt.Errorf("create asset folder: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".build.lock"))
	if err != nil {
		return Assets{}, err
	}
	defer unlock()

	src, err := assetSources()
	if err != nil {
		return Assets{}, err
	}
	steps := []struct {
		path  string
		build func(context.Context, string, string, io.Writer) error
	}{
		{a.Etcd, buildEtcd},
		{a.APIServer, buildAPIServer},
		{a.Kwok, buildKwok},
		{a.KwokStages, writeKwokStages},
	}
	for _, s := range steps {
		if _, err := os.Stat(s.path); err == nil {
			continue
		}
		start := time.Now()
		fmt.Fprintf(log, "k8stest: building %s into %s\n", filepath.Base(s.path), dir)
		if err := s.build(ctx, src, s.path, log); err != nil {
			return Assets{}, fmt.Errorf("build %s: %w", filepath.Base(s.path), err)
		}
		fmt.Fprintf(log, "k8stest: built %s in %s\n", filepath.Base(s.path), time.Since(start).Round(time.Second))
	}
	if m := a.missing(); len(m) > 0 {
		return Assets{}, fmt.Errorf("assets still missing after build: %v", m)
	}
	return a, nil
}

// lockFile takes an exclusive flock, polling so a cancelled context ends
// the wait; the lock dies with the process, so a crashed build never
// wedges the next one.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for another build of the assets: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
