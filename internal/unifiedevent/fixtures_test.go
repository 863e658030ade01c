package unifiedevent

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

func ptr[T any](v T) *T { return &v }

var (
	testTime     = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)
	testObserved = testTime.Add(1500 * time.Microsecond)
	testStart    = time.Date(2025, 3, 14, 9, 20, 1, 5000, time.UTC)
)

// envelope is the smallest event FromLogRecord accepts plus the optional
// envelope fields, so part fixtures differ only in their part.
func envelope(name Name, source, rawKind string) *Event {
	raw := []byte(`{"fixture":"` + string(name) + `"}`)
	return &Event{
		ID:           NewID(source, rawKind, testTime, raw),
		Name:         name,
		Source:       source,
		RawKind:      rawKind,
		RawVersion:   "1",
		Time:         testTime,
		ObservedTime: testObserved,
		Severity:     plog.SeverityNumberWarn,
		SeverityText: "WARN",
		Message:      "fixture " + string(name),
	}
}

func minimalEvent() *Event {
	return &Event{ID: "00112233445566778899aabbccddeeff", Name: NameLoss}
}

func processPart() *Process {
	return &Process{
		PID: 4121, ParentPID: 1, UserID: ptr(int64(0)),
		ExecutableName: "java", ExecutablePath: "/usr/bin/java",
		CommandLine: "java -Xmx64m -jar cart.jar", StartTime: testStart,
		ExitCode: ptr(int64(137)),
	}
}

func containerPart() *Container {
	return &Container{ID: "3f4c2a9e1b7d", Name: "cart", ImageName: "ghcr.io/shop/cart:1.4.2", Runtime: "containerd"}
}

func k8sPart() *K8s {
	return &K8s{
		PodUID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", PodName: "cart-7d9f8c6b5-x2x9q",
		Namespace: "shop", NodeName: "node-a", ContainerName: "cart",
		WorkloadKind: "Deployment", WorkloadName: "cart",
		Services: []string{"cart", "cart-headless"}, Reason: "OOMKilled",
	}
}

func peerPart() *K8s {
	return &K8s{
		PodUID: "b5a5c1e2-1111-4c1e-8f00-2a9a3c1d0e77", PodName: "postgres-0",
		Namespace: "db", NodeName: "node-b", ContainerName: "postgres",
		WorkloadKind: "StatefulSet", WorkloadName: "postgres",
		Services: []string{"postgres"}, Reason: "Started",
	}
}

func k8sObjectPart() *K8sObject {
	return &K8sObject{
		Kind: "Pod", Namespace: "shop", Name: "cart-7d9f8c6b5-x2x9q",
		UID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", ResourceVersion: "48213",
		Change: "MODIFIED", OwnerKind: "ReplicaSet", OwnerName: "cart-7d9f8c6b5",
		Phase: "Running",
		Conditions: []K8sCondition{
			{Type: "Ready", Status: "False", Reason: "ContainersNotReady", Message: "containers with unready status: [cart]"},
		},
		Containers: []K8sContainer{{
			Name: "cart", State: "waiting", Reason: "CrashLoopBackOff", ExitCode: ptr(int64(0)),
			Restarts: 4, LastReason: "OOMKilled", LastExitCode: ptr(int64(137)),
		}},
		Event: &K8sEvent{
			Type: "Warning", Message: "Back-off restarting failed container cart", Count: 7,
			InvolvedKind: "Pod", InvolvedNamespace: "shop", InvolvedName: "cart-7d9f8c6b5-x2x9q",
			InvolvedUID: "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10", Reporter: "kubelet", Host: "node-a",
		},
	}
}

func networkPart() *Network {
	return &Network{
		Transport: "tcp", Type: "ipv4",
		LocalAddress: "10.244.1.17", LocalPort: 48122,
		PeerAddress: "10.96.0.10", PeerPort: 5432,
		State: "established", OldState: "syn_sent",
		DNS: &DNS{
			QuestionName: "postgres.db.svc.cluster.local", QuestionType: "A",
			ResponseCode: "NOERROR", Answers: []string{"10.96.12.4"}, TransactionID: 0xbeef,
		},
	}
}

func kernelPart() *Kernel {
	return &Kernel{
		CgroupID: 8412, CgroupPath: "/kubepods/burstable/pod8d1e1f4c/3f4c2a9e1b7d",
		PIDNamespace: 4026532571, MountNamespace: 4026532569, NetNamespace: 4026532574,
		Signal: 9,
		OOM: &OOM{
			MemoryCgroup: "/kubepods/burstable/pod8d1e1f4c", RSSBytes: 66_977_792,
			MemoryLimitBytes: 67_108_864, ScoreAdj: -997,
		},
	}
}

func systemdPart() *Systemd {
	return &Systemd{
		Unit: "kubelet.service", OldActiveState: "active", ActiveState: "failed",
		SubState: "failed", Result: "exit-code", Restarts: 3, ExitCode: "exited",
		ExitStatus: 1, InvocationID: "4c9a1e8b2f7d4e0c9b6a5d3c2b1a0f9e", Priority: ptr(int64(0)),
		Identifier: "kubelet", Cursor: "s=1a2b;i=4f1;b=9c8d;m=1e2f;t=5f0e;x=77aa",
	}
}

func cniPart() *CNI {
	return &CNI{
		Operation: "ADD", Plugin: "calico", ContainerID: "a1b2c3d4e5f6",
		Netns: "/var/run/netns/cni-5e1c8b7a", IfName: "eth0",
		IPs: []string{"10.244.1.17/32", "fd00::11/128"}, Result: "failure",
		Error: "failed to allocate for range 0: no IP addresses available", ErrorCode: 11,
	}
}

// partEvents has one event per part type, named as a decoder would.
func partEvents() map[string]*Event {
	with := func(e *Event, set func(*Event)) *Event { set(e); return e }
	return map[string]*Event{
		"process": with(envelope(NameProcessExit, SourceEBPF, "process.exit"), func(e *Event) { e.Process = processPart() }),
		"container": with(envelope(NameProcessExec, SourceEBPF, "process.exec"), func(e *Event) {
			e.Container = containerPart()
		}),
		"k8s": with(envelope(NameK8sEvent, SourceK8s, "k8s.watch"), func(e *Event) { e.K8s = k8sPart() }),
		"k8s_object": with(envelope(NameK8sObject, SourceK8s, "k8s.watch"), func(e *Event) {
			e.K8sObject = k8sObjectPart()
		}),
		"peer":    with(envelope(NameTCPConnect, SourceEBPF, "tcp.state"), func(e *Event) { e.Peer = peerPart() }),
		"network": with(envelope(NameDNSResponse, SourceEBPF, "dns"), func(e *Event) { e.Network = networkPart() }),
		"kernel":  with(envelope(NameOOMKill, SourceEBPF, "oom.kill"), func(e *Event) { e.Kernel = kernelPart() }),
		"systemd": with(envelope(NameUnitState, SourceSystemd, "unit.state"), func(e *Event) { e.Systemd = systemdPart() }),
		"cni":     with(envelope(NameCNIAdd, SourceCNI, "cni.line"), func(e *Event) { e.CNI = cniPart() }),
		"loss": with(envelope(NameLoss, SourceEBPF, "ring.lost"), func(e *Event) {
			e.Loss = &Loss{Count: 412, Reason: "ring buffer full", Kind: "tcp.state"}
		}),
		"incident": with(envelope(NameIncident, SourceCorrelation, ""), func(e *Event) { e.Incident = incidentPart() }),
		"raw": with(envelope(NameJournalEntry, SourceSystemd, "journal.entry"), func(e *Event) {
			e.Raw = []byte("MESSAGE=kubelet failed\x00\xff")
		}),
	}
}

// fullEvent sets every field of every part.
func fullEvent() *Event {
	e := envelope(NameOOMKill, SourceEBPF, "oom.kill")
	e.Process = processPart()
	e.Container = containerPart()
	e.K8s = k8sPart()
	e.Peer = peerPart()
	e.K8sObject = k8sObjectPart()
	e.Network = networkPart()
	e.Kernel = kernelPart()
	e.Systemd = systemdPart()
	e.CNI = cniPart()
	e.Loss = &Loss{Count: 3, Reason: "ring buffer full", Kind: "dns"}
	e.Incident = incidentPart()
	e.Raw = []byte{0x01, 0x00, 0xfe}
	return e
}

// requireAllSet fails on any zero field reachable from v. Run on fullEvent,
// it makes a new field without a fixture value, and so without round-trip
// coverage, fail the tests.
func requireAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		require.False(t, v.IsNil(), "%s is nil", path)
		// *int64 fields exist because zero is meaningful there.
		if v.Elem().Kind() == reflect.Struct {
			requireAllSet(t, v.Elem(), path)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			require.False(t, v.Interface().(time.Time).IsZero(), "%s is zero", path)
			return
		}
		for i := range v.NumField() {
			requireAllSet(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		require.Positive(t, v.Len(), "%s is empty", path)
	default:
		require.False(t, v.IsZero(), "%s is zero", path)
	}
}

func TestFullEventSetsEveryField(t *testing.T) {
	requireAllSet(t, reflect.ValueOf(fullEvent()), "Event")
}

func incidentPart() *Incident {
	return &Incident{
		ID: "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60", Rule: "oom", State: IncidentUpdated,
		RootCause: "memory limit reached", Confidence: 0.95,
		FirstSeen: testStart, LastSeen: testTime, EventCount: 4,
		MemberIDs: []string{"00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100"},
		Pods:      []string{"shop/cart-7d9f8c6b5-x2x9q"}, Workloads: []string{"shop/Deployment/cart"},
		Nodes: []string{"node-a"}, Services: []string{"shop/cart"},
	}
}
