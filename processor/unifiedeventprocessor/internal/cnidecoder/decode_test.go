package cnidecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
)

// A few events written out in full, so the golden files are not the only
// statement of what a decoded entry holds.
func TestFullEvents(t *testing.T) {
	cases := map[string]struct {
		path, entry string
		want        *unifiedevent.Event
	}{
		"calico ADD failure": {
			"/var/log/calico/cni/cni.log",
			`2026-11-29 08:02:10.001 [ERROR][4907] cni-plugin/plugin.go 580: Final result of CNI ADD was an error. ContainerID="9a0b1c2d3e4f" Namespace="shop" Pod="cart-7d9f-k8p2m" error=error getting ClusterInformation: connection is unauthorized: Unauthorized`,
			&unifiedevent.Event{
				Name: unifiedevent.NameCNIAdd, Time: time.Date(2026, 11, 29, 8, 2, 10, 1e6, time.UTC),
				Severity: plog.SeverityNumberError, SeverityText: "ERROR",
				Message: "Final result of CNI ADD was an error.",
				K8s:     &unifiedevent.K8s{PodName: "cart-7d9f-k8p2m", Namespace: "shop"},
				CNI: &unifiedevent.CNI{
					Operation: "ADD", Plugin: "calico", ContainerID: "9a0b1c2d3e4f", Result: "failure",
					Error: "error getting ClusterInformation: connection is unauthorized: Unauthorized",
				},
			},
		},
		"aws VPC CNI ADD request": {
			"/var/log/aws-routed-eni/plugin.log",
			`{"level":"info","ts":"2026-11-29T08:01:02.345Z","caller":"routed-eni-cni-plugin/cni.go:119","msg":"Received CNI add request: ContainerID(5e1c8b7a9f30) Netns(/var/run/netns/cni-5e1c8b7a) IfName(eth0) Args(K8S_POD_INFRA_CONTAINER_ID=5e1c8b7a9f30;IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-7d9f-x2v4q) Path(/opt/cni/bin)"}`,
			&unifiedevent.Event{
				Name: unifiedevent.NameCNIAdd, Time: time.Date(2026, 11, 29, 8, 1, 2, 345e6, time.UTC),
				Severity: plog.SeverityNumberInfo, SeverityText: "INFO",
				Message: "Received CNI add request: ContainerID(5e1c8b7a9f30) Netns(/var/run/netns/cni-5e1c8b7a) IfName(eth0) Args(K8S_POD_INFRA_CONTAINER_ID=5e1c8b7a9f30;IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-7d9f-x2v4q) Path(/opt/cni/bin)",
				K8s:     &unifiedevent.K8s{PodName: "cart-7d9f-x2v4q", Namespace: "shop"},
				CNI: &unifiedevent.CNI{
					Operation: "ADD", Plugin: "aws-cni", ContainerID: "5e1c8b7a9f30",
					Netns: "/var/run/netns/cni-5e1c8b7a", IfName: "eth0",
				},
			},
		},
		"containernetworking error result": {
			"/var/log/cni/bridge.log",
			`{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate for range 0","details":"no IP addresses available"}`,
			&unifiedevent.Event{
				Name: unifiedevent.NameCNILog, Severity: plog.SeverityNumberError, SeverityText: "ERROR",
				Message: "failed to allocate for range 0",
				CNI: &unifiedevent.CNI{
					Plugin: "bridge", Result: "failure", ErrorCode: 11,
					Error: "failed to allocate for range 0: no IP addresses available",
				},
			},
		},
		"unknown shape": {
			"/var/log/other/x.log",
			"something happened",
			&unifiedevent.Event{Name: unifiedevent.NameCNILog, Message: "something happened"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := cnidecoder.Decode(raw([]byte(tc.entry), tc.path))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestOnlyEmptyEntriesAndUnknownVersionsFail(t *testing.T) {
	_, err := cnidecoder.Decode(raw([]byte(" \t\n "), ""))
	require.ErrorIs(t, err, cnidecoder.ErrEmpty)

	r := raw([]byte("level=info msg=x"), "")
	r.Version = "2"
	_, err = cnidecoder.Decode(r)
	require.ErrorIs(t, err, decode.ErrUnsupportedVersion)
	assert.Contains(t, err.Error(), `raw version "2"`)
}

func TestRegisterOnlyForLines(t *testing.T) {
	r := decode.NewRegistry()
	require.NoError(t, cnidecoder.Register(r))
	assert.Equal(t, []string{"cni/cni.line"}, r.Entries())
	require.Error(t, cnidecoder.Register(r), "twice is a bug")
}

func TestKlogYearRollsBack(t *testing.T) {
	r := raw([]byte(`E1231 23:59:59.000000 1 cni.go:1] CNI DEL failed`), "")
	r.ObservedTime = time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)
	ev, err := cnidecoder.Decode(r)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), ev.Time)
}
