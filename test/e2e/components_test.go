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
	return strings.Contains(string(src), strconv.Quote(importPath))
}
