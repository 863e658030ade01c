package unifiedevent

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	require.Len(t, cat, 21)
	require.True(t, slices.IsSortedFunc(cat, func(a, b NameInfo) int {
		return strings.Compare(string(a.Name), string(b.Name))
	}))
	sources := []string{SourceEBPF, SourceCNI, SourceSystemd, SourceK8s, SourceCorrelation}
	seen := map[Name]bool{}
	for _, info := range cat {
		require.False(t, seen[info.Name], "%s listed twice", info.Name)
		seen[info.Name] = true
		require.True(t, info.Name.Known(), info.Name)
		require.True(t, strings.HasPrefix(string(info.Name), "tapio."), info.Name)
		require.NotEmpty(t, info.Description, info.Name)
		require.NotEmpty(t, info.Sources, info.Name)
		for _, s := range info.Sources {
			require.Contains(t, sources, s, info.Name)
		}
	}
	require.False(t, Name("tapio.nope").Known())
	require.False(t, Name("").Known())
}

func TestCatalogueIsACopy(t *testing.T) {
	cat := Catalogue()
	cat[0].Sources[0] = "changed"
	cat[0].Name = "changed"
	require.NotEqual(t, "changed", Catalogue()[0].Sources[0])
	require.True(t, Catalogue()[0].Name.Known())
}
