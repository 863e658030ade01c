package testkit

import (
	"os"
	"testing"
)

// RequireRoot fails the test unless it runs as root: loading BPF programs,
// creating cgroups and binding port 53 all need it. CI runs as root.
func RequireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Fatal("this test uses the real kernel and needs root (BPF, cgroups, port 53): run it as root, e.g. `sudo make test`")
	}
}
