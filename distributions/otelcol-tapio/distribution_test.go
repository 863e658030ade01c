package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/otelcol/otelcoltest"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc/encoding"
)

// manifest is the part of builder-config.yaml these tests read.
type manifest struct {
	Receivers  []manifestModule `yaml:"receivers"`
	Processors []manifestModule `yaml:"processors"`
	Exporters  []manifestModule `yaml:"exporters"`
	Extensions []manifestModule `yaml:"extensions"`
	Connectors []manifestModule `yaml:"connectors"`
	Providers  []manifestModule `yaml:"providers"`
}

type manifestModule struct {
	GoMod string `yaml:"gomod"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "builder-config.yaml"))
	require.NoError(t, err)
	var m manifest
	require.NoError(t, yaml.Unmarshal(data, &m))
	return m
}

// The repository compiles ocb's sources with the root go.mod, so a version
// bumped in one and not the other would ship something the manifest does
// not say. The test binary links the same modules as the distribution.
func TestManifestVersionsAreTheOnesCompiled(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	compiled := map[string]string{}
	for _, dep := range info.Deps {
		compiled[dep.Path] = dep.Version
	}

	m := readManifest(t)
	var all []manifestModule
	for _, group := range [][]manifestModule{m.Receivers, m.Processors, m.Exporters, m.Extensions, m.Connectors, m.Providers} {
		all = append(all, group...)
	}
	require.NotEmpty(t, all)
	for _, mod := range all {
		path, version, found := strings.Cut(mod.GoMod, " ")
		require.True(t, found, "gomod %q has no version", mod.GoMod)
		if path == info.Main.Path {
			continue
		}
		assert.Equal(t, version, compiled[path], "version of %s in builder-config.yaml vs go.mod", path)
	}
}

func TestComponentsIncludeTheRequiredSet(t *testing.T) {
	factories, err := components()
	require.NoError(t, err)

	has := func(kind string, names []string, present func(string) bool) {
		for _, n := range names {
			assert.True(t, present(n), "%s %q missing from the distribution", kind, n)
		}
	}
	has("receiver", []string{"otlp"}, func(n string) bool { return hasType(factories.Receivers, n) })
	has("receiver", []string{"tapio_ebpf", "tapio_cni", "tapio_systemd", "tapio_k8s_watch"},
		func(n string) bool { return hasType(factories.Receivers, n) })
	has("processor", []string{"batch", "memory_limiter", "k8s_attributes", "tapio_unified", "tapio_k8s_enrich"},
		func(n string) bool { return hasType(factories.Processors, n) })
	has("connector", []string{"tapio_correlation"},
		func(n string) bool { return hasType(factories.Connectors, n) })
	has("exporter", []string{"otlp_grpc", "otlp_http", "debug", "file", "load_balancing", "tapio_unified_event"},
		func(n string) bool { return hasType(factories.Exporters, n) })
	has("extension", []string{"file_storage", "health_check"},
		func(n string) bool { return hasType(factories.Extensions, n) })
}

// Every configuration the repository ships must load with this build's
// components and pass each component's validation: the embedded default
// here and the agent and gateway configs the deploy manifests mount.
func TestShippedConfigsAreValid(t *testing.T) {
	factories, err := components()
	require.NoError(t, err)
	configs, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	deployed := []string{"../../deploy/config/agent.yaml", "../../deploy/config/gateway.yaml"}
	configs = append(configs, deployed...)
	require.Greater(t, len(configs), len(deployed))
	for _, path := range configs {
		t.Run(path, func(t *testing.T) {
			_, err := otelcoltest.LoadConfigAndValidate(path, factories)
			require.NoError(t, err)
		})
	}
}

// hasType reports whether a factory map holds a component type by name.
func hasType[F any](m map[component.Type]F, name string) bool {
	for t := range m {
		if t.String() == name {
			return true
		}
	}
	return false
}

// `otelcol-tapio validate` is how an operator checks a config before
// rolling it out: a mistake must be named, not just refused.
func TestValidateNamesTheBadKey(t *testing.T) {
	cases := map[string]string{
		"testdata/unknown-setting.yaml":   "keep_raww",
		"testdata/unknown-component.yaml": "tapio_nonesuch",
		"testdata/bad-yaml.yaml":          "yaml",
	}
	for path, want := range cases {
		t.Run(path, func(t *testing.T) {
			cmd := otelcol.NewCommand(otelcol.CollectorSettings{
				BuildInfo: component.NewDefaultBuildInfo(),
				Factories: components,
				ConfigProviderSettings: otelcol.ConfigProviderSettings{
					ResolverSettings: confmap.ResolverSettings{
						ProviderFactories: []confmap.ProviderFactory{envprovider.NewFactory(), fileprovider.NewFactory()},
					},
				},
			})
			cmd.SetArgs([]string{"validate", "--config", "file:" + path})
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

// Every gRPC exporter and receiver of the binary compresses gzip with
// internal/grpcgzip's codec, not gRPC's own (codecs.go).
func TestGzipCodecIsTapios(t *testing.T) {
	c := encoding.GetCompressor("gzip")
	require.NotNil(t, c)
	assert.Equal(t, "github.com/yairfalse/tapio/internal/grpcgzip", reflect.TypeOf(c).Elem().PkgPath())
}
