// An empty stand-in for contrib's otlpencodingextension, which only the tests
// of fileexporter import and which the module proxy does not serve at
// v0.165.1; see the replace lines in the root go.mod. Nothing compiles it.
module github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding/otlpencodingextension

go 1.25
