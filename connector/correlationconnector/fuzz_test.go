package correlationconnector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// fuzzEvents turns bytes into events that hit the rules' edges: every name a
// rule reads, parts present or missing, the values rules branch on, times
// that go back and forth. Any Event FromLogRecord can return is fair game.
type fuzzEvents struct{ data []byte }

func (f *fuzzEvents) next() byte {
	if len(f.data) == 0 {
		return 0
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b
}

func pick[T any](f *fuzzEvents, xs ...T) T { return xs[int(f.next())%len(xs)] }

func (f *fuzzEvents) optInt() *int64 {
	v := pick(f, int64(-1), 0, 1, 2, 137, 255)
	if f.next()%3 == 0 {
		return nil
	}
	return &v
}

func (f *fuzzEvents) event(i int, t time.Time) *unifiedevent.Event {
	names := []unifiedevent.Name{
		unifiedevent.NameOOMKill, unifiedevent.NameProcessExit, unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent,
		unifiedevent.NameCNIAdd, unifiedevent.NameUnitState, unifiedevent.NameDNSResponse, unifiedevent.NameTCPState,
		unifiedevent.NameTCPReset, unifiedevent.NameProcessExec,
	}
	ev := &unifiedevent.Event{ID: string(rune('a' + int(f.next())%8)), Name: pick(f, names...), Time: t}
	if i%5 == 0 {
		ev.ID += string(rune('0' + i%10))
	}
	mask := f.next()
	if mask&1 != 0 {
		ev.K8s = &unifiedevent.K8s{
			Namespace: pick(f, "", "ns"), PodName: pick(f, "", "p1", "p2"), NodeName: pick(f, "", "n1"),
			WorkloadKind: pick(f, "", "Deployment"), WorkloadName: pick(f, "", "w1", "w2"),
			Reason: pick(f, "", "BackOff", "OOMKilled", "FailedCreatePodSandBox", "Evicted", "CrashLoopBackOff",
				"ScalingReplicaSet", "FailedScheduling", "ImagePullBackOff", "Error"),
			Services: pick(f, []string(nil), []string{"s"}),
		}
	}
	if mask&2 != 0 {
		ev.Process = &unifiedevent.Process{ExecutableName: pick(f, "", "java"), CommandLine: pick(f, "", "java -jar x"), ExitCode: f.optInt()}
	}
	if mask&4 != 0 {
		ev.Kernel = &unifiedevent.Kernel{Signal: pick(f, int64(0), 9, 11)}
		if f.next()%2 == 0 {
			ev.Kernel.OOM = &unifiedevent.OOM{MemoryCgroup: pick(f, "", "5"), MemoryLimitBytes: pick(f, int64(0), 1<<28, 12345)}
		}
	}
	if mask&8 != 0 {
		ev.K8sObject = &unifiedevent.K8sObject{
			Kind: pick(f, "", "Pod", "Node", "Event", "ConfigMap"), Phase: pick(f, "", "Pending", "Running"),
			Change: pick(f, "", "MODIFIED", "DELETED"), Name: pick(f, "", "cm"),
		}
		for range int(f.next() % 3) {
			ev.K8sObject.Containers = append(ev.K8sObject.Containers, unifiedevent.K8sContainer{
				Name: "c", State: pick(f, "", "waiting", "terminated"), Reason: pick(f, "", "OOMKilled", "CrashLoopBackOff", "Error"),
				ExitCode: f.optInt(), Restarts: int64(f.next() % 4), LastReason: pick(f, "", "OOMKilled", "Error"), LastExitCode: f.optInt(),
			})
		}
		for range int(f.next() % 2) {
			ev.K8sObject.Conditions = append(ev.K8sObject.Conditions, unifiedevent.K8sCondition{Type: pick(f, "Ready", "MemoryPressure", "DiskPressure"), Status: pick(f, "True", "False", "Unknown")})
		}
		if f.next()%2 == 0 {
			ev.K8sObject.Event = &unifiedevent.K8sEvent{Message: pick(f, "", "sandbox failed", "Scaled up replica set x-1 to 2", "Scaled down replica set ", "0/1 nodes: Insufficient cpu")}
		}
	}
	if mask&16 != 0 {
		ev.Network = &unifiedevent.Network{OldState: pick(f, "", "syn_sent"), State: pick(f, "", "close")}
		if f.next()%2 == 0 {
			ev.Network.DNS = &unifiedevent.DNS{
				ResponseCode: pick(f, "", "NXDOMAIN", "SERVFAIL", "REFUSED", "NOERROR"),
				QuestionName: pick(f, "", "a.b.svc.cluster.local", "x.y.z.ns.svc.cluster.local", "example.org", "."),
			}
		}
	}
	if mask&32 != 0 {
		ev.Systemd = &unifiedevent.Systemd{
			Unit: pick(f, "", "kubelet.service", "nginx.service"), OldActiveState: pick(f, "", "active"),
			ActiveState: pick(f, "", "failed", "deactivating", "active"), SubState: pick(f, "", "auto-restart"), Result: pick(f, "", "exit-code"),
		}
	}
	if mask&128 != 0 {
		ev.Peer = &unifiedevent.K8s{Namespace: pick(f, "", "ns"), Services: pick(f, []string(nil), []string{"s"}, []string{"s", "t"})}
	}
	if mask&64 != 0 {
		ev.CNI = &unifiedevent.CNI{Result: pick(f, "", "failure", "success"), Plugin: pick(f, "", "calico"), Error: pick(f, "", "boom")}
	}
	return ev
}

func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("\x00\x01\xff\x07\x03\x02\x01\x00\x05\x09\x08\x07\x06\x05\x04\x03\x02\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := createDefaultConfig().(*Config)
		cfg.MaxOpenIncidents, cfg.MaxEventsPerIncident = 4, 3
		cfg.Rules.CrashLoop.Threshold, cfg.Rules.DNS.Threshold = 2, 2
		cfg.Rules.ServiceNoBackends.Threshold, cfg.Rules.NodePressure.Threshold = 2, 2
		eng, err := newEngine(cfg)
		require.NoError(t, err)
		src := &fuzzEvents{data: data}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		closed := map[string]bool{}
		check := func(trs []engine.Transition) {
			for _, tr := range trs {
				require.False(t, closed[tr.Incident.ID], "transition %s after close of %s", tr.State, tr.Incident.ID)
				if tr.State == unifiedevent.IncidentClosed {
					closed[tr.Incident.ID] = true
				}
				require.LessOrEqual(t, len(tr.Incident.Members), cfg.MaxEventsPerIncident)
				v := tr.Incident.Verdict()
				require.True(t, v.Open && v.Summary != "" && v.Confidence > 0 && v.Confidence <= 1, "%+v", v)
			}
		}
		for i := 0; len(src.data) > 0; i++ {
			// Mostly forward, sometimes back, sometimes far ahead.
			t0 = t0.Add(time.Duration(int8(src.next())) * 7 * time.Second)
			ann, ok := eng.Process(engine.Input{Event: src.event(i, t0), Node: pick(src, "", "n1", "n2")})
			if ok {
				require.NotEmpty(t, ann.Role)
			}
			require.LessOrEqual(t, eng.Open(), cfg.MaxOpenIncidents)
			if i%4 == 0 {
				trs, _ := eng.Drain()
				check(trs)
			}
		}
		eng.Advance(eng.Watermark().Add(time.Hour))
		trs, _ := eng.Drain()
		check(trs)
		require.Zero(t, eng.Open(), "every incident closes once the clock moves past the ttl")
	})
}
