package unifiedeventexporter

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
)

// TestReadmeConfigLoads keeps the README's configuration example valid:
// both exporters in it unmarshal strictly and validate.
func TestReadmeConfigLoads(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	require.True(t, ok, "README has a yaml example")
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)

	var doc struct {
		Exporters map[string]map[string]any `yaml:"exporters"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(block), &doc))
	require.Len(t, doc.Exporters, 2)
	for name, raw := range doc.Exporters {
		t.Run(name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, confmap.NewFromStringMap(raw).Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.True(t, cfg.File.HasValue() != cfg.HTTP.HasValue())
		})
	}
}
