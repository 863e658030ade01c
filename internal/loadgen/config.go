package loadgen

import (
	_ "embed"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed agent.yaml.tmpl
var agentTemplate string

var agentYAML = template.Must(template.New("agent").Funcs(template.FuncMap{
	"join":  strings.Join,
	"quote": strconv.Quote,
}).Parse(agentTemplate))

// SystemdSource points tapio_systemd at a systemd (the nspawn one in tests).
type SystemdSource struct {
	BusAddress string
	JournalDir string
	Units      []string
}

// K8sSource points tapio_k8s_watch at an API server.
type K8sSource struct {
	Kubeconfig string
}

// Config is the collector configuration under test: the agent's pipeline
// (eBPF, CNI, systemd and K8s watch receivers, tapio_unified, a batch
// processor when BatchTimeout is set) with
// the exporters a test reads. The hook fields are where the enrichment
// processor, the correlation connector and the UnifiedEvent exporter slot
// in, as raw YAML, so each test renders only the parts it measures.
type Config struct {
	NodeName    string
	HealthPort  int
	MetricsPort int

	// EBPFEvents limits the kernel event kinds; empty means all of them.
	EBPFEvents []string
	// RateLimit and RateBurst are tapio_ebpf's per-cgroup limit; 0 turns
	// it off (the load benchmark measures the pipeline, not the shedding).
	RateLimit, RateBurst int
	// EBPFReadInterval and EBPFMaxBatchDelay set how long tapio_ebpf lets
	// events gather before handing a batch on; zero keeps its defaults,
	// as the shipped agent does. They trade export requests (CPU) against
	// latency, which the load benchmark measures.
	EBPFReadInterval, EBPFMaxBatchDelay time.Duration

	CNIGlob         string
	CNIPollInterval time.Duration

	Systemd *SystemdSource
	K8s     *K8sSource

	// BatchTimeout and BatchSize configure a batch processor at the end
	// of the logs pipeline; a zero BatchTimeout leaves it out, as the
	// shipped agent does (its exporters send each batch a receiver hands
	// on).
	BatchTimeout time.Duration
	BatchSize    int

	// FilePath writes every record as OTLP JSON lines (the contrib file
	// exporter); OTLPEndpoint sends them to an OTLP/HTTP server.
	FilePath     string
	FileFlush    time.Duration
	OTLPEndpoint string

	// Shipped, when set, makes the rest as deploy/config/agent.yaml has
	// it; see ShippedShape.
	Shipped *ShippedShape

	// Hooks: YAML indented to sit under receivers:, processors:,
	// connectors: and exporters:, extra pipelines under
	// service.pipelines:, and the names to add to the logs pipeline.
	ExtraReceivers string
	Enrich         string
	// PeerProcessors renders contrib processors run beside Tapio's own
	// on the same records (k8s_attributes next to tapio_k8s_enrich), so a
	// benchmark measures both in one run; their names go in
	// ExtraProcessors like any other.
	PeerProcessors   string
	Connectors       string
	ExtraExporters   string
	ExtraPipelines   string
	ExtraProcessors  []string
	ExtraExporterIDs []string
	// LogsExporters, when set, replaces the logs pipeline's exporters:
	// with a connector in between, the file exporter hangs off the
	// connector's pipeline instead (ExtraPipelines).
	LogsExporters []string

	LogLevel string

	// PprofPort, when set, serves net/http/pprof on 127.0.0.1 (contrib's
	// pprof extension), so a benchmark can profile the collector under load.
	PprofPort int
}

// NewConfig is the agent's configuration with free loopback ports, the
// ebpf and cni receivers on and nothing exported yet.
func NewConfig(cniGlob string) (Config, error) {
	health, err := FreePort()
	if err != nil {
		return Config{}, err
	}
	metrics, err := FreePort()
	if err != nil {
		return Config{}, err
	}
	return Config{
		NodeName:        "tapio-e2e-node",
		HealthPort:      health,
		MetricsPort:     metrics,
		RateLimit:       0,
		CNIGlob:         cniGlob,
		CNIPollInterval: 50 * time.Millisecond,
		BatchTimeout:    10 * time.Millisecond,
		BatchSize:       1024,
		FileFlush:       100 * time.Millisecond,
		LogLevel:        "info",
	}, nil
}

// HealthURL and MetricsURL are where the collector answers.
func (c Config) HealthURL() string  { return fmt.Sprintf("http://127.0.0.1:%d/", c.HealthPort) }
func (c Config) MetricsURL() string { return fmt.Sprintf("http://127.0.0.1:%d/metrics", c.MetricsPort) }

// Receivers are the logs pipeline's receivers, in the order configured.
func (c Config) Receivers() []string {
	r := []string{"tapio_ebpf", "tapio_cni"}
	if c.Systemd != nil {
		r = append(r, "tapio_systemd")
	}
	if c.K8s != nil {
		r = append(r, "tapio_k8s_watch")
	}
	return r
}

// Processors are the logs pipeline's processors: memory_limiter first in
// the shipped shape, decode, then the hooks, then batch, if configured,
// last so it batches what is exported.
func (c Config) Processors() []string {
	var p []string
	if c.Shipped != nil {
		p = append(p, "memory_limiter")
	}
	p = append(append(p, "tapio_unified"), c.ExtraProcessors...)
	if c.BatchTimeout > 0 {
		p = append(p, "batch")
	}
	return p
}

// Exporters are the logs pipeline's exporters.
func (c Config) Exporters() []string {
	var e []string
	if c.FilePath != "" {
		e = append(e, "file")
	}
	if c.OTLPEndpoint != "" {
		e = append(e, "otlp_http")
	}
	if c.Shipped != nil {
		e = append(e, BackendExporter)
	}
	return append(e, c.ExtraExporterIDs...)
}

// BackendID is the exporter that takes what the agent sends its backend:
// a pipeline of a test's own (a peer's) sends there too.
func (c Config) BackendID() string {
	if c.Shipped != nil {
		return BackendExporter
	}
	return "otlp_http"
}

// Write renders the configuration into path.
func (c Config) Write(path string) error {
	if c.RateLimit > 0 && c.RateBurst < c.RateLimit {
		c.RateBurst = c.RateLimit
	}
	if len(c.Exporters()) == 0 {
		return fmt.Errorf("write config: no exporter: set FilePath, OTLPEndpoint, Shipped or ExtraExporterIDs")
	}
	if err := c.Shipped.validate(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	logsExporters := c.Exporters()
	if c.LogsExporters != nil {
		logsExporters = c.LogsExporters
	}
	if c.Shipped != nil {
		// Beside the connector, as in the agent: the gateway gets every
		// event straight from the events pipeline.
		logsExporters = append(slices.Clone(logsExporters), GatewayExporter)
	}
	data := struct {
		Config
		Receivers, Processors, Exporters []string
	}{c, c.Receivers(), c.Processors(), logsExporters}
	if err := agentYAML.Execute(f, data); err != nil {
		f.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// FreePort asks the kernel for a free loopback TCP port. Several
// engineers' collectors share this machine, so fixed ports (8888, 13133)
// would collide.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
