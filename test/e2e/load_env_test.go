package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/receiver/cnireceiver"
)

// loadPod is the pod the load's CNI lines are about.
const loadPod = "load-0"

// loadgenNode is the node name loadgen.NewConfig gives the agent.
const loadgenNode = "tapio-e2e-node"

// loadEnv is what every load run shares: the binary, a real systemd, the
// DNS and TCP servers the kernel events go to, the exec'd program.
type loadEnv struct {
	bin     string
	dir     string
	machine *systemdtest.Machine
	dns     *loadgen.DNSResponder
	tcp     *loadgen.TCPServer
	execOp  loadgen.Op
	runs    int
	// filelog is whether the distribution has contrib's filelog receiver
	// to run beside tapio_cni.
	filelog bool
	cluster *k8stest.Cluster
	// pods are the load's pods when enrichment is compiled in; nil, the
	// load runs as host processes.
	pods *loadPods
}

func newLoadEnv(b *testing.B) *loadEnv {
	b.Helper()
	root, err := loadgen.ModuleRoot()
	require.NoError(b, err)
	dir := b.TempDir()
	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
	defer cancel()
	bin, err := loadgen.Build(ctx, root, dir)
	require.NoError(b, err)
	joinWorkloadCgroup(b)
	env := &loadEnv{bin: bin, dir: dir, machine: systemdtest.Boot(b), filelog: *loadPeers && compiledIn(b, filelogImport)}
	if compiledIn(b, enrichImport) {
		// Enrichment and the watch receiver need an API server, as on a
		// node; the load's processes run in its pods' containers.
		env.cluster = k8stest.Start(b, k8stest.Options{})
		env.pods = newLoadPods(b, env.cluster.Client())
		// The CNI lines are about this pod, as a plugin's lines are about
		// pods that exist: enrichment holds lines for unknown pods back.
		_, err := env.cluster.Client().CoreV1().Pods("default").Create(b.Context(), &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: loadPod},
			Spec:       corev1.PodSpec{NodeName: loadgenNode, Containers: []corev1.Container{{Name: "app", Image: "registry.example/load:1"}}},
		}, metav1.CreateOptions{})
		require.NoError(b, err)
	}
	if !env.filelog {
		b.Log("contrib filelog is not in the distribution or -load.peers=false: no peer for tapio_cni in this run")
	}
	// The servers' sockets are the server pod's: the kernel and
	// enrichment see a client pod talking to a server pod.
	listen := func() {
		env.dns, err = loadgen.ListenDNS()
		require.NoError(b, err)
		b.Cleanup(func() { env.dns.Close() })
		if env.pods != nil {
			env.tcp, err = loadgen.ListenTCPAt(net.ParseIP(loadServerIP))
		} else {
			env.tcp, err = loadgen.ListenTCP()
		}
		require.NoError(b, err)
		b.Cleanup(func() { env.tcp.Close() })
	}
	var cgroups []string
	if env.pods != nil {
		env.pods.within(b, env.pods.server, listen)
		cgroups = env.pods.cgroups()
	} else {
		listen()
	}
	var closeExec func() error
	env.execOp, _, closeExec, err = loadgen.ExecOp(dir, cgroups...)
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, closeExec()) })
	return env
}

// run is one collector and the sources pointed at it.
type run struct {
	cfg  loadgen.Config
	col  *loadgen.Collector
	sink *loadgen.Sink
	// gateway is the load_balancing exporter's sink in the shipped shape
	// (nil in the lite one): every event once more, no incidents.
	gateway     *loadgen.Sink
	ready       time.Duration
	cniFile     string
	journalUnit string
	journal     *os.File
	journalOp   loadgen.Op
	cniOp       loadgen.Op
	closeFiles  func()
	// cpuCgroup is the collector's own CPU cgroup (-load.agent-cpu-request),
	// or nil.
	cpuCgroup *loadgen.CPUCgroup
}

// start runs a fresh collector (so its counters and peak RSS belong to
// this run alone) with its own CNI file and journal unit, sending to a
// fresh sink.
func (env *loadEnv) start(b *testing.B) *run {
	b.Helper()
	env.runs++
	n := strconv.Itoa(env.runs)
	unit := "tapio-load-j" + n
	cniDir := filepath.Join(env.dir, "cni-"+n)
	require.NoError(b, os.Mkdir(cniDir, 0o755))
	cfg, err := loadgen.NewConfig(filepath.Join(cniDir, "*.log"))
	require.NoError(b, err)
	cfg.Systemd = &loadgen.SystemdSource{BusAddress: env.machine.BusAddress, JournalDir: env.machine.JournalDir, Units: []string{unit}}
	// No batch processor, as in the shipped agent: its timer fired every
	// 5 ms, idle or not, and it added up to 5 ms to every event's wait.
	cfg.BatchTimeout = 0
	// The shipped agent polls its CNI logs at tapio_cni's default; the
	// tests' faster poll would add idle wakeups the agent does not have.
	cfg.CNIPollInterval = cnireceiver.NewFactory().CreateDefaultConfig().(*cnireceiver.Config).PollInterval
	cfg.EBPFReadInterval, cfg.EBPFMaxBatchDelay = *ebpfReadInterval, *ebpfMaxBatchDelay
	cfg.LogLevel = "warn"
	if *loadProfile != "" {
		cfg.PprofPort, err = loadgen.FreePort()
		require.NoError(b, err)
	}

	sink, gateway := env.sinks(b, &cfg, unit+".service", n)
	if env.filelog {
		// After the sinks: the peer sends through the backend exporter.
		filelogPeer(&cfg)
	}
	if env.cluster != nil {
		cfg.K8s = &loadgen.K8sSource{Kubeconfig: env.cluster.Kubeconfig(k8stest.AdminUser)}
	}
	// After the exporters are set: with the connector they move behind it.
	enrich, correlate := enrichAndCorrelate(b, &cfg)
	// After enrichment, which k8s_attributes follows.
	env.k8sattrPeer(b, &cfg)
	if env.runs == 1 {
		b.Logf("shape %s; pipeline: tapio_k8s_enrich %v, tapio_correlation %v, filelog peer %v; tapio_ebpf read_interval %s, max_batch_delay %s (0s: the receiver's default); tapio_cni poll_interval %s",
			*loadShape, enrich, correlate, env.filelog, cfg.EBPFReadInterval, cfg.EBPFMaxBatchDelay, cfg.CNIPollInterval)
		if s := cfg.Shipped; s != nil {
			b.Logf("shipped exporters: gateway compression %q, backend compression %q (empty: as shipped), backend queue on disk %v",
				s.GatewayCompression, s.BackendCompression, s.BackendQueueOnDisk)
		}
	}

	// The journal lines come from a real unit: cat copies a fifo the
	// benchmark writes into its stdout, which systemd connects to
	// journald. Its rate limit is off, or journald would suppress lines
	// beyond 10,000 per 30 s and the ledger would show them as missing.
	fifo := "/run/tapio-load-" + n + ".fifo"
	env.machine.MustExec(b, "mkfifo", fifo)
	env.machine.MustExec(b, "systemd-run", "--quiet", "--unit="+unit, "-p", "LogRateLimitIntervalSec=0",
		"/bin/sh", "-c", "exec cat "+fifo)
	journal, err := os.OpenFile(filepath.Join(env.machine.Root, fifo), os.O_WRONLY, 0)
	require.NoError(b, err)

	cniFile := filepath.Join(cniDir, "calico.log")
	cni, err := os.OpenFile(cniFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(b, err)

	r := &run{cfg: cfg, sink: sink, gateway: gateway, cniFile: cniFile, journal: journal, journalUnit: unit + ".service"}
	var flushJournal, flushCNI func() error
	r.journalOp, flushJournal = loadgen.LineOp(journal, 1, func(seq uint64) string {
		return "L" + strconv.FormatUint(seq, 10) + journalMarker + "\n"
	})
	r.cniOp, flushCNI = loadgen.LineOp(cni, 1, func(seq uint64) string {
		// Calico's format, timestamped now, so the line's own time is
		// when it was written.
		return time.Now().UTC().Format("2006-01-02 15:04:05.000") +
			" [INFO][4821] cni-plugin/k8s.go 418: Added Mac, interface name, and active container ID to endpoint ContainerID=\"load" +
			strconv.FormatUint(seq, 10) + "\" Namespace=\"default\" Pod=\"" + loadPod + "\" WorkloadEndpoint=\"node-k8s-load--0-eth0\"\n"
	})
	r.closeFiles = func() {
		_ = flushJournal()
		_ = flushCNI()
		journal.Close()
		cni.Close()
	}
	b.Cleanup(r.closeFiles)

	config := filepath.Join(env.dir, "collector-"+n+".yaml")
	require.NoError(b, cfg.Write(config))
	var colEnv []string
	if *collectorEnv != "" {
		colEnv = strings.Split(*collectorEnv, ",")
	}
	var flags []string
	if *featureGates != "" {
		flags = []string{"--feature-gates=" + *featureGates}
	}
	r.cpuCgroup = agentCgroup(b)
	r.col, err = loadgen.Start(env.bin, config, flags, colEnv...)
	require.NoError(b, err)
	b.Cleanup(func() {
		if err := r.col.Stop(); err != nil {
			b.Errorf("stop collector: %v; log:\n%s", err, r.col.Output())
		}
	})
	if r.cpuCgroup != nil {
		// Microseconds after it started, long before it is ready.
		require.NoError(b, r.cpuCgroup.Join(r.col.PID))
	}
	ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
	defer cancel()
	r.ready, err = r.col.WaitReady(ctx, cfg.HealthURL())
	require.NoError(b, err)
	return r
}

// sinks starts the run's sinks and points cfg's exporters at them: the
// backend's, where latency is measured, and in the shipped shape the
// gateway's. Each has its own classifier (a classifier remembers the DNS
// names it saw, and each sink sees every name once).
func (env *loadEnv) sinks(b *testing.B, cfg *loadgen.Config, journalUnit, n string) (backend, gateway *loadgen.Sink) {
	b.Helper()
	classify := func() func(plog.LogRecord) string {
		cls := newClassifier(env.tcp.Port())
		cls.journalUnit = journalUnit
		return cls.classify
	}
	switch *loadShape {
	case shapeLite:
		backend, err := loadgen.ListenSink(classify())
		require.NoError(b, err)
		b.Cleanup(func() { backend.Close() })
		if env.pods != nil {
			backend.Label(env.pods.label)
		}
		cfg.OTLPEndpoint = backend.Endpoint()
		return backend, nil
	case shapeShipped:
		backend, err := loadgen.ListenGRPCSink(classify())
		require.NoError(b, err)
		b.Cleanup(func() { backend.Close() })
		if env.pods != nil {
			backend.Label(env.pods.label)
		}
		gateway, err := loadgen.ListenGRPCSink(classify())
		require.NoError(b, err)
		b.Cleanup(func() { gateway.Close() })
		cfg.Shipped = &loadgen.ShippedShape{
			StorageDir:      filepath.Join(env.dir, "storage-"+n),
			BackendEndpoint: backend.Endpoint(),
			GatewayEndpoint: gateway.Endpoint(),

			GatewayCompression: *gatewayCompression,
			BackendCompression: *backendCompression,
			BackendQueueOnDisk: *backendQueue == "disk",
		}
		return backend, gateway
	}
	b.Fatalf("-load.shape %q: want %s or %s", *loadShape, shapeShipped, shapeLite)
	return nil, nil
}

// journalStored counts the load lines journald kept for the run's unit,
// so lines journald dropped are not blamed on the collector.
func (env *loadEnv) journalStored(b *testing.B, r *run) int {
	b.Helper()
	out, err := exec.Command("journalctl", "--directory", env.machine.JournalDir,
		"--unit", r.journalUnit, "--output", "cat", "--no-pager").Output()
	require.NoError(b, err)
	return strings.Count(string(out), journalMarker)
}

// sample tracks the collector's resident set while load runs: VmHWM
// would include the start-up peak, so the peak under load is sampled. It
// reports the peak of the process tree (with the benchmark's journalctl
// child) and of the collector alone, which is what the shipped agent runs
// unless its journal is turned on.
func sample(ctx context.Context, pid int, every time.Duration) (peak func() (tree, own uint64)) {
	var maxTree, maxOwn uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if tree, own, err := loadgen.ReadTreeUsage(pid); err == nil {
				maxTree, maxOwn = max(maxTree, tree.RSS), max(maxOwn, own.RSS)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		<-done
		return maxTree, maxOwn
	}
}

func mb(bytes uint64) float64 { return float64(bytes) / (1 << 20) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtOps(t loadgen.Tally) string {
	return fmt.Sprintf("%s %d/%d (behind %d, failed %d)", t.Name, t.Done, t.Issued, t.Behind, t.Failed)
}
