// An empty stand-in for contrib's test-only pkg/semconvtest module, which the
// module proxy does not serve; see the replace lines in the root go.mod.
// Nothing compiles it.
module github.com/open-telemetry/opentelemetry-collector-contrib/pkg/semconvtest

go 1.25
