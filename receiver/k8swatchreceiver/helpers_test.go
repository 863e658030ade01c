package k8swatchreceiver

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/receiver/k8swatchreceiver/internal/metadata"
)

const testNode = "node-a"

// record is a raw record as a test reads it.
type record struct {
	Type   string `json:"type"`
	Object struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name            string            `json:"name"`
			Namespace       string            `json:"namespace"`
			UID             string            `json:"uid"`
			ResourceVersion string            `json:"resourceVersion"`
			Labels          map[string]string `json:"labels"`
		} `json:"metadata"`
		Status map[string]any `json:"status"`
		Reason string         `json:"reason"`
		Type   string         `json:"type"`
		// InvolvedObject is core/v1's field; Regarding is events.k8s.io's.
		InvolvedObject map[string]any `json:"involvedObject"`
	} `json:"object"`
	Origin string
	Loss   bool
}

func (r record) String() string {
	return fmt.Sprintf("%s %s %s/%s rv=%s origin=%s", r.Type, r.Object.Kind, r.Object.Metadata.Namespace, r.Object.Metadata.Name, r.Object.Metadata.ResourceVersion, r.Origin)
}

// testReceiver is a started receiver and what it emitted.
type testReceiver struct {
	r    *k8sReceiver
	sink *consumertest.LogsSink
	logs *observer.ObservedLogs
	tel  *componenttest.Telemetry
	host *statusHost
}

// statusHost records the status events the receiver reports, as the
// collector's host would receive them.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

// last is the latest status reported, nil before any.
func (h *statusHost) last() *componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil
	}
	return h.events[len(h.events)-1]
}

// startReceiver runs a receiver against the cluster as user, with the
// given changes to the defaults, and shuts it down at the end of the test.
func startReceiver(t *testing.T, c *k8stest.Cluster, user string, mutate func(*Config)) *testReceiver {
	t.Helper()
	sink := new(consumertest.LogsSink)
	return startReceiverInto(t, c, user, mutate, sink, sink)
}

// startReceiverInto is startReceiver handing records to next, whose
// accepted records sink holds.
func startReceiverInto(t *testing.T, c *k8stest.Cluster, user string, mutate func(*Config), next consumer.Logs, sink *consumertest.LogsSink) *testReceiver {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.AuthType = AuthKubeconfig
	cfg.Kubeconfig = c.Kubeconfig(user)
	cfg.NodeName = testNode
	cfg.QPS, cfg.Burst = 50, 100
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zap.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	r, err := newReceiver(set, cfg, next)
	require.NoError(t, err)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, r.Start(t.Context(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(t.Context())) })
	return &testReceiver{r: r, sink: sink, logs: logs, tel: tel, host: host}
}

// sum adds up a metric's int data points whose attributes include attrs.
func (tr *testReceiver) sum(t *testing.T, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := tr.tel.GetMetric("otelcol." + name)
	if err != nil {
		return 0
	}
	var points []metricdata.DataPoint[int64]
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		points = d.DataPoints
	case metricdata.Gauge[int64]:
		points = d.DataPoints
	}
	var total int64
	for _, p := range points {
		match := true
		for _, a := range attrs {
			v, ok := p.Attributes.Value(a.Key)
			match = match && ok && v == a.Value
		}
		if match {
			total += p.Value
		}
	}
	return total
}

// records decodes everything emitted so far, in order.
func (tr *testReceiver) records(t *testing.T) []record {
	t.Helper()
	return decodeRecords(t, tr.sink.AllLogs()...)
}

var decodeMu sync.Mutex

func decodeRecords(t *testing.T, batches ...plog.Logs) []record {
	t.Helper()
	decodeMu.Lock()
	defer decodeMu.Unlock()
	var out []record
	for _, lr := range testkit.LogRecords(batches...) {
		var rec record
		attrs := lr.Attributes()
		if kind, _ := attrs.Get("tapio.raw.kind"); kind.Str() == "loss" {
			out = append(out, record{Loss: true})
			continue
		}
		require.NoError(t, json.Unmarshal(lr.Body().Bytes().AsRaw(), &rec))
		if o, ok := attrs.Get(AttrOrigin); ok {
			rec.Origin = o.Str()
		}
		out = append(out, rec)
	}
	return out
}

// about keeps the records of one object kind and name.
func about(recs []record, kind, name string) []record {
	var out []record
	for _, r := range recs {
		if !r.Loss && r.Object.Kind == kind && r.Object.Metadata.Name == name {
			out = append(out, r)
		}
	}
	return out
}

func changeTypes(recs []record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

// requireNoRepeats fails when any object state (kind, uid, resourceVersion)
// was emitted twice: the receiver's central promise.
func requireNoRepeats(t *testing.T, recs []record) {
	t.Helper()
	seen := map[string]record{}
	for _, r := range recs {
		if r.Loss {
			continue
		}
		key := r.Object.Kind + "/" + r.Object.Metadata.UID + "@" + r.Object.Metadata.ResourceVersion + "/" + r.Type
		prev, dup := seen[key]
		require.False(t, dup, "emitted twice: %s (first %s)", r, prev)
		seen[key] = r
	}
}
