package e2e

import (
	"strconv"

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
