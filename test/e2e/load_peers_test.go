package e2e

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/loadgen"
)

// The contrib filelog receiver reads the same CNI file next to tapio_cni,
// in a pipeline of its own, once the distribution has it: its records
// reach the sink without tapio.source and with log.file.name, so they are
// counted and timed apart. The regex parser takes each line's own time
// as the record's, as tapio_cni's decoder does, so the latencies compare.
const filelogImport = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"

const classFilelog = "filelog"

func filelogPeer(cfg *loadgen.Config) {
	cfg.ExtraReceivers = `  filelog/cni:
    include: [` + strconv.Quote(cfg.CNIGlob) + `]
    start_at: beginning
    poll_interval: ` + cfg.CNIPollInterval.String() + `
` + filelogOperators
	if cfg.ExtraPipelines != "" {
		cfg.ExtraPipelines += "\n"
	}
	cfg.ExtraPipelines += `    logs/filelog:
      receivers: [filelog/cni]`
	if cfg.BatchTimeout > 0 {
		cfg.ExtraPipelines += `
      processors: [batch]`
	}
	cfg.ExtraPipelines += `
      exporters: [` + cfg.BackendID() + `]`
}

// filelogOperators parses Calico's timestamp; indented for filelogPeer.
const filelogOperators = `    operators:
      - type: regex_parser
        regex: '^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})'
        timestamp:
          parse_from: attributes.time
          layout_type: gotime
          layout: '2006-01-02 15:04:05.000'
`

// contrib's k8s_attributes, in the distribution for users' OTLP
// pipelines, run on the same records as tapio_k8s_enrich.
const (
	k8sattrImport = "github.com/open-telemetry/opentelemetry-collector-contrib/processor/k8sattributesprocessor"
	k8sattrID     = "k8s_attributes"
	enrichID      = "tapio_k8s_enrich"
)

// k8sattrPeer puts k8s_attributes right after tapio_k8s_enrich in the
// logs pipeline, and turns on the CPU profile that tells the two apart
// (and tapio_cni from filelog) whenever peers run. cfg must hold the
// enrichment already.
//
// It can only go after enrichment: it finds pods by what is on the
// Resource (an IP, a UID, a name), never by cgroup or PID, and a kernel
// event's Resource names its pod only once tapio_k8s_enrich has resolved
// the cgroup. So it looks up each record's pod a second time, by the
// k8s.pod.uid enrichment wrote, as the node agent it is configured as:
// this node's pods only, default metadata (k8s.deployment.name among
// it), no passthrough. A pipeline of its own would have to be fed by a
// connector that copies every record; inline it costs only its own work.
func (env *loadEnv) k8sattrPeer(b *testing.B, cfg *loadgen.Config) {
	b.Helper()
	if !*loadPeers {
		return
	}
	if cfg.PprofPort == 0 {
		port, err := loadgen.FreePort()
		require.NoError(b, err)
		cfg.PprofPort = port
	}
	at := slices.Index(cfg.ExtraProcessors, enrichID)
	if env.cluster == nil || at < 0 || !compiledIn(b, k8sattrImport) {
		if env.runs == 1 {
			b.Log("k8s_attributes or tapio_k8s_enrich is not in the distribution: no peer for enrichment in this run")
		}
		return
	}
	// auth_type kubeConfig reads only client-go's default loading rules
	// (KUBECONFIG, else ~/.kube/config): the collector inherits this
	// process's environment, so the variable is how it finds the
	// harness's API server. b.Setenv puts it back after the run.
	b.Setenv("KUBECONFIG", env.cluster.Kubeconfig(k8stest.AdminUser))
	cfg.PeerProcessors = k8sattrConfig(cfg.NodeName)
	cfg.ExtraProcessors = slices.Insert(cfg.ExtraProcessors, at+1, k8sattrID)
	if env.runs == 1 {
		b.Logf("peer: %s after %s, on this node's pods, by the k8s.pod.uid enrichment writes", k8sattrID, enrichID)
	}
}

// k8sattrConfig is k8s_attributes as a node agent runs it; indented to
// sit under processors:.
func k8sattrConfig(node string) string {
	return `  ` + k8sattrID + `:
    auth_type: kubeConfig
    passthrough: false
    filter:
      node: ` + strconv.Quote(node) + `
    pod_association:
      - sources:
          - from: resource_attribute
            name: k8s.pod.uid`
}
