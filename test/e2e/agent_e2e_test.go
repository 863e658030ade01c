package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/internal/testkit"
	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// TestAgentEndToEnd runs the distribution with the agent's receivers on
// this host, causes one of each kind of trouble Tapio exists to explain,
// and checks that each arrives in the exported file as a decoded
// UnifiedEvent with the details that explain it.
func TestAgentEndToEnd(t *testing.T) {
	testkit.RequireRoot(t)
	machine := systemdtest.Boot(t)
	cluster := k8stest.Start(t, k8stest.Options{})
	dns, err := loadgen.ListenDNS()
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, dns.Close()) })

	cniDir := t.TempDir()
	cfg, err := loadgen.NewConfig(filepath.Join(cniDir, "*.log"))
	require.NoError(t, err)
	// The agent's rate limit (deploy/config/agent.yaml): trouble must get
	// through it. The bucket is per cgroup, and here every test binary of
	// `make test` shares this one: at 200/s, other packages' loopback
	// traffic (1,172 TCP state events in one second, seen in CI) shed the
	// refused connect this test looks for.
	cfg.RateLimit, cfg.RateBurst = 5000, 10000
	cfg.Systemd = &loadgen.SystemdSource{
		BusAddress: machine.BusAddress,
		JournalDir: machine.JournalDir,
		Units:      []string{"tapio-e2e-*"},
	}
	cfg.K8s = &loadgen.K8sSource{Kubeconfig: cluster.Kubeconfig(k8stest.AdminUser)}
	// Set before the hooks: with the correlation connector the exporters
	// move behind it.
	cfg.FilePath = filepath.Join(t.TempDir(), "exported.json")
	hooks := pipelineHooks(t, &cfg)
	// The OOM kill and the crash loop happen in this pod's container
	// cgroup, and the K8s Event is about it, as on a real node.
	app := newPod(t, cluster.Client(), cfg.NodeName, "e2e-db-0")
	a := startAgent(t, cfg)

	t.Run("oom kill", func(t *testing.T) {
		pid := oomKill(t, app)
		ev := a.await(t, "tapio.oom.kill of the helper", func(e *ue.Event) bool {
			return e.Name == ue.NameOOMKill && e.Process != nil && e.Process.PID == int64(pid)
		})
		assert.Equal(t, ue.SourceEBPF, ev.Source)
		require.NotNil(t, ev.Kernel)
		require.NotNil(t, ev.Kernel.OOM, "the OOM details")
		assert.NotEmpty(t, ev.Kernel.OOM.MemoryCgroup, "the memory cgroup that ran out")
		assert.Positive(t, ev.Kernel.OOM.RSSBytes)
	})

	t.Run("crash loop", func(t *testing.T) {
		pids := crashLoop(t, app, 5, 42)
		for _, pid := range pids {
			ev := a.await(t, "tapio.process.exit with status 42", func(e *ue.Event) bool {
				return e.Name == ue.NameProcessExit && e.Process != nil && e.Process.PID == int64(pid)
			})
			require.NotNil(t, ev.Process.ExitCode)
			assert.Equal(t, int64(42), *ev.Process.ExitCode)
			assert.Equal(t, "WARN", ev.SeverityText)
		}
		execs := a.all(t, func(e *ue.Event) bool {
			return e.Name == ue.NameProcessExec && e.Process != nil && slices.Contains(pids, int(e.Process.PID))
		})
		assert.Len(t, execs, len(pids), "one exec per restart")
	})

	t.Run("failing unit", func(t *testing.T) {
		failUnit(t, machine, "tapio-e2e-fail", "e2e-unit-broke")
		ev := a.await(t, "tapio.unit.state failed", func(e *ue.Event) bool {
			return e.Name == ue.NameUnitState && e.Systemd != nil &&
				e.Systemd.Unit == "tapio-e2e-fail.service" && e.Systemd.ActiveState == "failed"
		})
		assert.Equal(t, ue.SourceSystemd, ev.Source)
		assert.Equal(t, "exit-code", ev.Systemd.Result)
		assert.Equal(t, int64(7), ev.Systemd.ExitStatus)
		ev = a.await(t, "the unit's stderr line from the journal", func(e *ue.Event) bool {
			return e.Name == ue.NameJournalEntry && e.Systemd != nil &&
				e.Systemd.Unit == "tapio-e2e-fail.service" && strings.HasSuffix(e.Message, "e2e-unit-broke")
		})
		assert.Equal(t, "sh", ev.Systemd.Identifier)
	})

	t.Run("cni errors", func(t *testing.T) {
		cniErrors(t, cniDir)
		ev := a.await(t, "CNI IPAM exhaustion", func(e *ue.Event) bool {
			return e.CNI != nil && e.CNI.ErrorCode == 11
		})
		assert.Equal(t, ue.SourceCNI, ev.Source)
		assert.Contains(t, ev.CNI.Error, "no IP addresses available")
		assert.Equal(t, "failure", ev.CNI.Result)
		assert.Equal(t, "ERROR", ev.SeverityText)
		ev = a.await(t, "CNI broken netconf", func(e *ue.Event) bool {
			return e.CNI != nil && e.CNI.ErrorCode == 7
		})
		assert.Contains(t, ev.CNI.Error, "failed to load netconf")
	})

	t.Run("dns nxdomain", func(t *testing.T) {
		name := nxdomain(t, dns.Addr())
		a.await(t, "the query for "+name, func(e *ue.Event) bool {
			return e.Name == ue.NameDNSQuery && dnsName(e) == name
		})
		ev := a.await(t, "NXDOMAIN for "+name, func(e *ue.Event) bool {
			return e.Name == ue.NameDNSResponse && dnsName(e) == name
		})
		assert.Equal(t, "NXDOMAIN", ev.Network.DNS.ResponseCode)
		assert.Equal(t, "udp", ev.Network.Transport)
	})

	t.Run("refused connect", func(t *testing.T) {
		port := refusedConnect(t)
		toPort := func(e *ue.Event) bool {
			return e.Network != nil && e.Network.PeerPort == uint16(port) && e.Network.PeerAddress == "127.0.0.1"
		}
		ev := a.await(t, "tapio.tcp.connect", func(e *ue.Event) bool { return e.Name == ue.NameTCPConnect && toPort(e) })
		require.NotNil(t, ev.Process, "a connect runs in the caller's context")
		assert.Equal(t, int64(os.Getpid()), ev.Process.PID)
		ev = a.await(t, "the failed connect", func(e *ue.Event) bool {
			return e.Name == ue.NameTCPState && toPort(e) && e.Network.OldState == "syn_sent" && e.Network.State == "closed"
		})
		assert.Equal(t, "WARN", ev.SeverityText)
	})

	t.Run("k8s warning event", func(t *testing.T) {
		k8sWarning(t, cluster.Client(), app.Name, "BackOff")
		ev := a.await(t, "tapio.k8s.event BackOff", func(e *ue.Event) bool {
			return e.Name == ue.NameK8sEvent && e.K8s != nil && e.K8s.PodName == app.Name
		})
		assert.Equal(t, ue.SourceK8s, ev.Source)
		assert.Equal(t, "BackOff", ev.K8s.Reason)
		assert.Equal(t, "default", ev.K8s.Namespace)
		assert.Equal(t, "WARN", ev.SeverityText)
		assert.Contains(t, ev.Message, "Back-off restarting failed container")
	})

	// HOOK(enrich, correlation): assertions for the components that are in
	// the built distribution; see hooks_test.go.
	hooks.check(t, a, app)

	t.Run("everything decoded", func(t *testing.T) {
		undecoded := a.undecoded(t)
		assert.Empty(t, undecoded, "every record the receivers read must arrive decoded")
		events := a.all(t, func(*ue.Event) bool { return true })
		for _, e := range events {
			if !assert.NotEmpty(t, e.ID, "%s has no tapio.event.id", e.Name) || !assert.True(t, e.Name.Known(), "unknown event name %q", e.Name) {
				break
			}
		}
		t.Logf("%d events exported in all", len(events))
	})
}

func dnsName(e *ue.Event) string {
	if e.Network == nil || e.Network.DNS == nil {
		return ""
	}
	return strings.TrimSuffix(e.Network.DNS.QuestionName, ".")
}
