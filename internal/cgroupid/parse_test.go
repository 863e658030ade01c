package cgroupid

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const (
	uid  = "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10"
	uidU = "8d1e1f4c_7a52_4a89_9d1c_3c3c8c6b5a10"
	cid  = "3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d0a1b"
)

// The fixtures are the paths each runtime and driver creates, as
// /proc/<pid>/cgroup shows them on v2 (0::path) and v1 (N:memory:path);
// v1 and v2 share the path layout, so each is also checked as a
// /proc line of both kinds in TestProcPath.
var fixtures = []struct {
	name string
	path string
	want Ref
	ok   bool
}{
	{"containerd systemd burstable", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + cid + ".scope",
		Ref{uid, cid, RuntimeContainerd}, true},
	{"containerd systemd guaranteed", "/kubepods.slice/kubepods-pod" + uidU + ".slice/cri-containerd-" + cid + ".scope",
		Ref{uid, cid, RuntimeContainerd}, true},
	{"containerd systemd besteffort nested", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + cid + ".scope/init",
		Ref{uid, cid, RuntimeContainerd}, true},
	{"containerd cgroupfs", "/kubepods/burstable/pod" + uid + "/" + cid, Ref{uid, cid, ""}, true},
	{"containerd cgroupfs guaranteed", "/kubepods/pod" + uid + "/" + cid, Ref{uid, cid, ""}, true},
	{"cri-o systemd", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/crio-" + cid + ".scope",
		Ref{uid, cid, RuntimeCRIO}, true},
	{"cri-o cgroupfs", "/kubepods/besteffort/pod" + uid + "/crio-" + cid, Ref{uid, cid, RuntimeCRIO}, true},
	{"cri-o conmon is the pod", "/kubepods.slice/kubepods-pod" + uidU + ".slice/crio-conmon-" + cid + ".scope", Ref{uid, "", ""}, true},
	{"docker systemd under kubelet", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/docker-" + cid + ".scope",
		Ref{uid, cid, RuntimeDocker}, true},
	{"docker systemd plain", "/system.slice/docker-" + cid + ".scope", Ref{"", cid, RuntimeDocker}, true},
	{"docker cgroupfs plain", "/docker/" + cid, Ref{"", cid, RuntimeDocker}, true},
	{"kind node prefix", "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + cid + ".scope",
		Ref{uid, cid, RuntimeContainerd}, true},
	{"pod slice only (sandbox gone)", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice", Ref{uid, "", ""}, true},
	{"system service", "/system.slice/containerd.service", Ref{}, false},
	{"root", "/", Ref{}, false},
	{"user session", "/user.slice/user-0.slice/session-3.scope", Ref{}, false},
	{"hex outside a pod", "/system.slice/" + cid, Ref{}, false},
	{"short id", "/kubepods/pod" + uid + "/3f4c2a9e", Ref{uid, "", ""}, true},
	{"upper-case hex is not an id", "/docker/" + strings.ToUpper(cid), Ref{}, false},
	{"bad uid", "/kubepods/podnot-a-uid/" + cid, Ref{}, false},
	{"empty", "", Ref{}, false},
}

func TestParse(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			got, ok := Parse(f.path)
			assert.Equal(t, f.ok, ok)
			assert.Equal(t, f.want, got)
		})
	}
}

func TestProcPath(t *testing.T) {
	pod := "/kubepods/burstable/pod" + uid + "/" + cid
	cases := map[string]struct {
		data string
		want string
		ok   bool
	}{
		"v2":     {"0::" + pod + "\n", pod, true},
		"v1":     {"12:memory:" + pod + "\n11:cpu,cpuacct:" + pod + "\n1:name=systemd:/init.scope\n", pod, true},
		"hybrid": {"12:memory:/kubepods/pod" + uid + "\n0::" + pod + "\n", pod, true},
		"host":   {"0::/system.slice/kubelet.service\n", "", false},
		"junk":   {"no colons here\n1:only-one\n", "", false},
		"empty":  {"", "", false},
		// The path keeps its colons; the pod still shows, the odd name
		// is not taken for a container.
		"colons in path": {"0::/kubepods/pod" + uid + "/x:y\n", "/kubepods/pod" + uid + "/x:y", true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := ProcPath([]byte(c.data))
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
	for _, f := range fixtures {
		for _, line := range []string{"0::" + f.path, "7:memory:" + f.path} {
			got, ok := ProcPath([]byte(line + "\n"))
			assert.Equal(t, f.ok, ok, line)
			if ok {
				assert.Equal(t, f.path, got)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, x := range fixtures {
		f.Add(x.path)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, ok := Parse(path)
		if ok != (r.PodUID != "" || r.ContainerID != "") {
			t.Fatalf("ok=%v for %+v", ok, r)
		}
		if r.ContainerID != "" && !isContainerID(r.ContainerID) {
			t.Fatalf("bad container id %q", r.ContainerID)
		}
		if r.PodUID != "" && !isUID(r.PodUID) {
			t.Fatalf("bad uid %q", r.PodUID)
		}
	})
}
