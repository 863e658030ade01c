package loadgen

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// newCgroup creates a uniquely named cgroup for one controller: in the
// controller's own v1 hierarchy where it is mounted, as on hybrid hosts
// like this one (v1Root holding probe), else under the v2 root, which must
// enable the controller for its children. It reports which it used, as
// the two name their files differently.
func newCgroup(controller, v1Root, probe string) (dir string, v1 bool, err error) {
	root := v1Root
	v1 = true
	if _, err := os.Stat(filepath.Join(v1Root, probe)); err != nil {
		root, v1 = "/sys/fs/cgroup", false
		controllers, err := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if err != nil || !strings.Contains(" "+strings.TrimSpace(string(controllers))+" ", " "+controller+" ") {
			return "", false, fmt.Errorf("%s cgroup: no %s controller, neither v1 at %s nor v2 at %s", controller, controller, v1Root, root)
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	dir = filepath.Join(root, "tapio-load-"+controller+"-"+hex.EncodeToString(suffix))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("%s cgroup: %w", controller, err)
	}
	return dir, v1, nil
}

// cgroupFile is one control file and the value written to it; optional
// files the kernel may lack (swap accounting) are skipped when absent.
type cgroupFile struct {
	name, value string
	optional    bool
}

// writeCgroup writes files into dir in order, removing dir on the first
// failure.
func writeCgroup(dir string, files []cgroupFile) error {
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if f.optional {
			if _, err := os.Stat(path); err != nil {
				continue
			}
		}
		if err := os.WriteFile(path, []byte(f.value), 0); err != nil {
			_ = os.Remove(dir)
			return fmt.Errorf("cgroup %s: %s: %w", filepath.Base(dir), f.name, err)
		}
	}
	return nil
}

// RemoveCgroup deletes the cgroup dir, waiting up to wait for members
// that are exiting: a process reaped a moment ago may still hold it, and
// the kernel refuses to remove a cgroup that has any. A cgroup already
// gone is no error.
func RemoveCgroup(dir string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
