package correlationconnector

import (
	"fmt"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/rules"
)

// newEngine builds the engine over the enabled rules, in a fixed order so
// the output never depends on map iteration.
func newEngine(cfg *Config) (*engine.Engine, error) {
	params := func(r RuleConfig) rules.Params { return rules.Params{Window: r.Window, Threshold: r.Threshold} }
	var rs []engine.Rule
	r := cfg.Rules
	if r.OOM.Enabled {
		rs = append(rs, rules.NewOOM(params(r.OOM)))
	}
	if r.CrashLoop.Enabled {
		rs = append(rs, rules.NewCrashLoop(params(r.CrashLoop)))
	}
	if r.CNISetup.Enabled {
		rs = append(rs, rules.NewCNISetup(params(r.CNISetup)))
	}
	if r.NodeRuntime.Enabled {
		rs = append(rs, rules.NewNodeRuntime(params(r.NodeRuntime.RuleConfig), r.NodeRuntime.Units))
	}
	if r.DNS.Enabled {
		rs = append(rs, rules.NewDNS(params(r.DNS.RuleConfig), cfg.ClusterDomain, rules.DNSTimeouts{Timeout: r.DNS.QueryTimeout, MaxPending: r.DNS.MaxPendingQueries}))
	}
	if r.ServiceNoBackends.Enabled {
		rs = append(rs, rules.NewNoBackends(params(r.ServiceNoBackends)))
	}
	if r.OOMCascade.Enabled {
		rs = append(rs, rules.NewOOMCascade(params(r.OOMCascade)))
	}
	if r.Rollout.Enabled {
		rs = append(rs, rules.NewRollout(params(r.Rollout)))
	}
	if r.NodePressure.Enabled {
		rs = append(rs, rules.NewNodePressure(params(r.NodePressure)))
	}
	if r.ConfigChange.Enabled {
		rs = append(rs, rules.NewConfigChange(params(r.ConfigChange)))
	}
	if r.Trace.Enabled {
		rs = append(rs, rules.NewTrace(params(r.Trace)))
	}
	if r.Workload.Enabled {
		rs = append(rs, rules.NewWorkload(params(r.Workload)))
	}
	eng, err := engine.New(engine.Options{
		MaxIncidents: cfg.MaxOpenIncidents, MaxEventsPerIncident: cfg.MaxEventsPerIncident,
		TTL: cfg.TTL, Lateness: cfg.Lateness, UpdateInterval: cfg.UpdateInterval,
	}, rs)
	if err != nil {
		return nil, fmt.Errorf("build correlation engine: %w", err)
	}
	return eng, nil
}
