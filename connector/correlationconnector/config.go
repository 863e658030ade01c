package correlationconnector

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config of the tapio_correlation connector.
type Config struct {
	// MaxOpenIncidents caps the incidents held, open ones and candidates
	// (groups a rule is watching that are not incidents yet) together. At
	// the cap the least recently touched is evicted and counted.
	MaxOpenIncidents int `mapstructure:"max_open_incidents"`
	// MaxEventsPerIncident caps the member events kept (listed, drawn as
	// spans) per incident; later members are counted and still marked.
	MaxEventsPerIncident int `mapstructure:"max_events_per_incident"`
	// TTL closes an incident that got no new member for this long. It
	// must be at least every enabled rule's window.
	TTL time.Duration `mapstructure:"ttl"`
	// Lateness is how far behind the newest event an event may arrive and
	// still join its incident; later ones pass on uncorrelated.
	Lateness time.Duration `mapstructure:"lateness"`
	// UpdateInterval is the least time, in event time, between two
	// updated records of one incident; what changes in between goes into
	// the next updated or the closed record. 0 reports every batch.
	UpdateInterval time.Duration `mapstructure:"update_interval"`
	// ClusterDomain tells the DNS rule which names are search-path tries.
	ClusterDomain string `mapstructure:"cluster_domain"`
	// Rules switch and tune the built-in rules.
	Rules RulesConfig `mapstructure:"rules"`
	// Storage names a storage extension (file_storage) that keeps the
	// open incidents across a restart, so a restart does not split one.
	// Unset: state lives in memory only.
	Storage *component.ID `mapstructure:"storage"`
	// CheckpointInterval is how often (wall time) the state is written to
	// Storage while running, when it changed, so a crash loses at most
	// this much rather than every open incident; 0 saves at shutdown only.
	CheckpointInterval time.Duration `mapstructure:"checkpoint_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RulesConfig has one entry per built-in rule.
type RulesConfig struct {
	OOM         RuleConfig        `mapstructure:"oom"`
	CrashLoop   RuleConfig        `mapstructure:"crash_loop"`
	CNISetup    RuleConfig        `mapstructure:"cni_setup"`
	NodeRuntime NodeRuntimeConfig `mapstructure:"node_runtime"`
	DNS         DNSConfig         `mapstructure:"dns"`
	// ServiceNoBackends: threshold = refused or reset connections.
	ServiceNoBackends RuleConfig `mapstructure:"service_no_backends"`
	// OOMCascade: threshold = other pods of the Service that restart.
	OOMCascade RuleConfig `mapstructure:"oom_cascade"`
	Rollout    RuleConfig `mapstructure:"rollout"`
	// NodePressure: threshold = evictions that make a storm when no
	// pressure condition was seen.
	NodePressure RuleConfig `mapstructure:"node_pressure"`
	// ConfigChange: threshold = pod restarts after the change.
	ConfigChange RuleConfig `mapstructure:"config_change"`
	// Trace groups failures sharing a trace context; threshold = failed
	// events, of at least two kinds.
	Trace RuleConfig `mapstructure:"trace"`
	// Workload groups a workload's failures with no causal chain; off by
	// default. threshold = failed events, of at least two kinds.
	Workload RuleConfig `mapstructure:"workload"`
}

// RuleConfig tunes one rule.
type RuleConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Window is the longest gap between two members of one incident.
	Window time.Duration `mapstructure:"window"`
	// Threshold is how many trigger events make an incident, for the
	// rules that count (crash_loop: failed exits, dns: failed answers);
	// the others ignore it.
	Threshold int `mapstructure:"threshold"`
}

// DNSConfig tunes rule 5.
type DNSConfig struct {
	RuleConfig `mapstructure:",squash"`
	// QueryTimeout is how long a query may go unanswered (in event time)
	// before it counts as a failed lookup; 0 turns timeouts off, which
	// also spares decoding every tapio.dns.query record.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// MaxPendingQueries bounds the queries awaiting an answer; at the cap
	// the oldest is forgotten.
	MaxPendingQueries int `mapstructure:"max_pending_queries"`
}

// NodeRuntimeConfig tunes rule 4.
type NodeRuntimeConfig struct {
	RuleConfig `mapstructure:",squash"`
	// Units are the systemd units whose failure or restart disrupts the
	// node's pods.
	Units []string `mapstructure:"units"`
}

var (
	errMaxOpenIncidents     = errors.New("max_open_incidents must be positive")
	errMaxEventsPerIncident = errors.New("max_events_per_incident must be positive")
	errTTL                  = errors.New("ttl must be positive")
	errLateness             = errors.New("lateness must not be negative")
	errUpdateInterval       = errors.New("update_interval must not be negative")
	errCheckpointInterval   = errors.New("checkpoint_interval must not be negative")
	errWindow               = errors.New("window must be positive")
	errThreshold            = errors.New("threshold must be positive")
	errTTLShorterThanWindow = errors.New("ttl is shorter than a rule window")
	errNoRules              = errors.New("no rule is enabled")
	errNoUnits              = errors.New("node_runtime needs at least one unit")
	errClusterDomain        = errors.New("cluster_domain must not be empty")
	errQueryTimeout         = errors.New("dns: query_timeout must not be negative, and max_pending_queries must be positive with it")
)

// Validate checks the bounds and every enabled rule.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxOpenIncidents <= 0 {
		errs = append(errs, errMaxOpenIncidents)
	}
	if c.MaxEventsPerIncident <= 0 {
		errs = append(errs, errMaxEventsPerIncident)
	}
	if c.TTL <= 0 {
		errs = append(errs, errTTL)
	}
	if c.Lateness < 0 {
		errs = append(errs, errLateness)
	}
	if c.UpdateInterval < 0 {
		errs = append(errs, errUpdateInterval)
	}
	if c.CheckpointInterval < 0 {
		errs = append(errs, errCheckpointInterval)
	}
	enabled := 0
	for name, r := range c.Rules.each() {
		if !r.Enabled {
			continue
		}
		enabled++
		if r.Window <= 0 {
			errs = append(errs, fmt.Errorf("rules::%s: %w", name, errWindow))
		}
		if r.Threshold <= 0 {
			errs = append(errs, fmt.Errorf("rules::%s: %w", name, errThreshold))
		}
		if c.TTL > 0 && r.Window > c.TTL {
			errs = append(errs, fmt.Errorf("rules::%s: window %s, ttl %s: %w", name, r.Window, c.TTL, errTTLShorterThanWindow))
		}
	}
	if enabled == 0 {
		errs = append(errs, errNoRules)
	}
	if c.Rules.NodeRuntime.Enabled && len(c.Rules.NodeRuntime.Units) == 0 {
		errs = append(errs, errNoUnits)
	}
	if c.Rules.DNS.Enabled && c.ClusterDomain == "" {
		errs = append(errs, errClusterDomain)
	}
	if d := c.Rules.DNS; d.Enabled && (d.QueryTimeout < 0 || d.QueryTimeout > 0 && d.MaxPendingQueries <= 0) {
		errs = append(errs, errQueryTimeout)
	}
	return errors.Join(errs...)
}

// each yields the rules in a fixed order, so errors and the engine's rule
// order never depend on map iteration.
func (r *RulesConfig) each() func(yield func(string, RuleConfig) bool) {
	return func(yield func(string, RuleConfig) bool) {
		for _, x := range []struct {
			name string
			cfg  RuleConfig
		}{
			{"oom", r.OOM}, {"crash_loop", r.CrashLoop}, {"cni_setup", r.CNISetup},
			{"node_runtime", r.NodeRuntime.RuleConfig}, {"dns", r.DNS.RuleConfig},
			{"service_no_backends", r.ServiceNoBackends}, {"oom_cascade", r.OOMCascade},
			{"rollout", r.Rollout}, {"node_pressure", r.NodePressure}, {"config_change", r.ConfigChange},
			{"trace", r.Trace}, {"workload", r.Workload},
		} {
			if !yield(x.name, x.cfg) {
				return
			}
		}
	}
}
