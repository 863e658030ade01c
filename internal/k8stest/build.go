package k8stest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// assetSources finds internal/k8stest/assets, the wrapper modules the
// binaries are built from. They are separate modules (each with its own
// go.mod and go.sum) so the control plane's hundreds of dependencies never
// enter the root module.
func assetSources() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(file), "assets")
		if _, err := os.Stat(filepath.Join(dir, "apiserver", "go.mod")); err == nil {
			return dir, nil
		}
	}
	// Built with -trimpath the source path is gone; the go command still
	// knows the module being tested from the working directory.
	out, err := exec.Command(goBinary(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("locate the asset modules: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	dir := filepath.Join(filepath.Dir(gomod), "internal", "k8stest", "assets")
	if _, err := os.Stat(filepath.Join(dir, "apiserver", "go.mod")); err != nil {
		return "", fmt.Errorf("locate the asset modules under %s: %w", filepath.Dir(gomod), err)
	}
	return dir, nil
}

// goBinary is the go command on PATH: go test puts the toolchain that
// runs the tests first on PATH, so the assets are built by the same Go.
func goBinary() string { return "go" }

// goRun runs the go command in dir. GOWORK is off so a go.work above the
// repository cannot pull the wrapper modules into another build; CGO is off
// because neither binary needs it and the harness must work without a C
// compiler.
func goRun(ctx context.Context, dir string, log io.Writer, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, goBinary(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stdout = log
	cmd.Stderr = io.MultiWriter(log, &stderr)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return nil
}

// buildTo builds a package of the module in dir into dst, atomically.
func buildTo(ctx context.Context, dir, dst, pkg string, log io.Writer, ldflags string) error {
	tmp := dst + ".tmp"
	if err := goRun(ctx, dir, log, nil, "build", "-trimpath", "-ldflags", ldflags, "-o", tmp, pkg); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func buildEtcd(ctx context.Context, src, dst string, log io.Writer) error {
	return buildTo(ctx, filepath.Join(src, "etcd"), dst, ".", log, "-s -w")
}

// buildAPIServer stamps the version: unstamped, kube-apiserver reports
// v0.0.0-master, which clients' version checks and discovery dislike.
func buildAPIServer(ctx context.Context, src, dst string, log io.Writer) error {
	const v = "k8s.io/component-base/version"
	ldflags := fmt.Sprintf("-s -w -X %[1]s.gitVersion=%[2]s -X %[1]s.gitMajor=1 -X %[1]s.gitMinor=%[3]s -X %[1]s.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=%[2]s",
		v, KubernetesVersion, strings.Split(KubernetesVersion, ".")[1])
	return buildTo(ctx, filepath.Join(src, "apiserver"), dst, "k8s.io/kubernetes/cmd/kube-apiserver", log, ldflags)
}

// buildKwok uses go install: kwok's go.mod has no replace directives, so
// its own pinned dependencies build it as released.
func buildKwok(ctx context.Context, _, dst string, log io.Writer) error {
	bin, err := os.MkdirTemp(filepath.Dir(dst), "kwok-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	if err := goRun(ctx, bin, log, []string{"GOBIN=" + bin}, "install", "-trimpath", "-ldflags", "-s -w", "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion); err != nil {
		return err
	}
	return os.Rename(filepath.Join(bin, "kwok"), dst)
}

// writeKwokStages joins the "fast" node and pod stages shipped in kwok's
// module into one file for --config: without stages kwok exits with "no
// stages found", and these make nodes Ready and pods Running at once.
func writeKwokStages(ctx context.Context, _, dst string, log io.Writer) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "kwok-src-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, goBinary(), "mod", "download", "-json", "sigs.k8s.io/kwok@"+KwokVersion)
	cmd.Dir, cmd.Stdout, cmd.Stderr = tmp, &out, log
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("download kwok module: %w", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("read kwok module location: %w", err)
	}
	var stages bytes.Buffer
	for _, f := range []string{
		"kustomize/stage/node/fast/node-initialize.yaml",
		"kustomize/stage/pod/fast/pod-ready.yaml",
		"kustomize/stage/pod/fast/pod-complete.yaml",
		"kustomize/stage/pod/fast/pod-delete.yaml",
	} {
		b, err := os.ReadFile(filepath.Join(mod.Dir, f))
		if err != nil {
			return fmt.Errorf("read kwok stage: %w", err)
		}
		stages.WriteString("---\n")
		stages.Write(b)
		stages.WriteString("\n")
	}
	if err := os.WriteFile(dst+".tmp", stages.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// tail keeps the end of a log, where the reason a process died usually is.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
