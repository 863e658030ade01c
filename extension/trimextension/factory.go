package trimextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/yairfalse/tapio/extension/trimextension/internal/metadata"
)

// NewFactory returns the factory of the tapio_trim extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{Executable: true, Heap: true}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newTrimExtension(cfg.(*Config), set.Logger), nil
}
