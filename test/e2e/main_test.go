package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// Roles the test binary plays when it re-executes itself: a process that
// runs into its memory cgroup's limit, so the kernel's OOM killer picks a
// victim whose pid the test knows.
const oomCgroupEnv = "TAPIO_E2E_OOM_CGROUP"

func TestMain(m *testing.M) {
	if dir := os.Getenv(oomCgroupEnv); dir != "" {
		os.Exit(runIntoOOM(dir))
	}
	goleak.VerifyTestMain(m)
}

// runIntoOOM joins the cgroups (the memory one with the limit, and
// optionally a pod's container cgroup) and touches memory until it is
// killed.
func runIntoOOM(dirs string) int {
	pid := []byte(strconv.Itoa(os.Getpid()))
	for _, dir := range filepath.SplitList(dirs) {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), pid, 0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	var hold [][]byte
	for range 512 {
		chunk := make([]byte, 1<<20)
		for i := 0; i < len(chunk); i += 4096 {
			chunk[i] = 1
		}
		hold = append(hold, chunk)
	}
	// Alive after 512 MiB under a 16 MiB limit: no OOM kill happened.
	return 3 + len(hold)%2
}
