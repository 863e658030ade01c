package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// compiledIn reports whether the distribution's components.go (what ocb
// generated from builder-config.yaml, and what the binary is built from)
// imports the given package: the hooks switch components on from it.
func compiledIn(tb testing.TB, importPath string) bool {
	tb.Helper()
	root, err := loadgen.ModuleRoot()
	require.NoError(tb, err)
	src, err := os.ReadFile(filepath.Join(root, "distributions", "otelcol-tapio", "components.go"))
	require.NoError(tb, err)
	found := strings.Contains(string(src), strconv.Quote(importPath))
	// Tapio's own components are all in the distribution now: one that goes
	// missing must fail the test, not quietly shrink what it checks.
	if !found && strings.HasPrefix(importPath, "github.com/yairfalse/tapio/") {
		tb.Fatalf("%s is not compiled into otelcol-tapio (components.go); the end-to-end checks need it", importPath)
	}
	return found
}
