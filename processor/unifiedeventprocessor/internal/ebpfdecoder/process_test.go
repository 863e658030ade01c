package ebpfdecoder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

const (
	hostPIDNS = 4026531836
	hostMntNS = 4026531841
)

func curlExec() execSample {
	return execSample{
		hdr:      hdr{ts: 1_000_000, cgroup: 8412, pid: 4242, tid: 4242, comm: "curl"},
		ppid:     1,
		uid:      1000,
		gid:      1000,
		pidns:    hostPIDNS,
		mntns:    hostMntNS,
		filename: "/usr/bin/curl",
		argv:     argv("curl", "-s", "http://example.com/"),
	}
}

func TestExec(t *testing.T) {
	ev := mustDecode(t, "process.exec", curlExec().bytes())
	assert.Equal(t, &unifiedevent.Event{
		Name:         unifiedevent.NameProcessExec,
		Severity:     plog.SeverityNumberInfo,
		SeverityText: "INFO",
		Message:      "exec /usr/bin/curl (pid 4242, parent 1)",
		Process: &unifiedevent.Process{
			PID: 4242, ParentPID: 1, UserID: ptr(int64(1000)),
			ExecutableName: "curl", ExecutablePath: "/usr/bin/curl",
			CommandLine: "curl -s http://example.com/",
		},
		Kernel: &unifiedevent.Kernel{CgroupID: 8412, PIDNamespace: hostPIDNS, MountNamespace: hostMntNS},
	}, ev)
}

// The kernel copies only argv_bytes and flags the rest: the cut shows,
// so nobody mistakes "-jar ca" for the real argument.
func TestExecTruncatedArgv(t *testing.T) {
	s := curlExec()
	s.comm, s.uid, s.filename = "java", 0, "/usr/lib/jvm/bin/java"
	s.argv = "java\x00-Xmx64m\x00-jar\x00ca" // the last argument is cut, no NUL
	s.flags = flagTruncated
	ev := mustDecode(t, "process.exec", s.bytes())
	assert.Equal(t, &unifiedevent.Process{
		PID: 4242, ParentPID: 1, UserID: ptr(int64(0)),
		ExecutableName: "java", ExecutablePath: "/usr/lib/jvm/bin/java",
		CommandLine: "java -Xmx64m -jar ca …",
	}, ev.Process)
}

func TestExecEdges(t *testing.T) {
	t.Run("no argv captured", func(t *testing.T) {
		s := curlExec()
		s.argv, s.flags = "", flagTruncated // argv_bytes 0 in the config
		ev := mustDecode(t, "process.exec", s.bytes())
		assert.Empty(t, ev.Process.CommandLine)
	})
	t.Run("empty arguments keep their place", func(t *testing.T) {
		s := curlExec()
		s.argv = argv("printf", "", "x")
		ev := mustDecode(t, "process.exec", s.bytes())
		assert.Equal(t, "printf  x", ev.Process.CommandLine)
	})
	t.Run("filename cut", func(t *testing.T) {
		s := curlExec()
		s.flags = flagFilenameCut
		ev := mustDecode(t, "process.exec", s.bytes())
		assert.Equal(t, "/usr/bin/curl", ev.Process.ExecutablePath)
		assert.Equal(t, "exec /usr/bin/curl… (path cut) (pid 4242, parent 1)", ev.Message)
	})
	t.Run("no filename", func(t *testing.T) {
		s := curlExec()
		s.filename = ""
		ev := mustDecode(t, "process.exec", s.bytes())
		assert.Equal(t, "exec curl (pid 4242, parent 1)", ev.Message)
	})
	t.Run("non-UTF-8 bytes", func(t *testing.T) {
		s := curlExec()
		s.comm, s.filename, s.argv = "a\xffb", "/tmp/\xfe", argv("x\xc3")
		ev := mustDecode(t, "process.exec", s.bytes())
		assert.Equal(t, "a\uFFFDb", ev.Process.ExecutableName)
		assert.Equal(t, "/tmp/\uFFFD", ev.Process.ExecutablePath)
		assert.Equal(t, "x\uFFFD", ev.Process.CommandLine)
	})
}

func TestExit(t *testing.T) {
	base := exitSample{hdr: hdr{cgroup: 8412, pid: 4242, tid: 4242, comm: "curl"}, ppid: 1}
	for _, tc := range []struct {
		name     string
		code     uint32 // raw wait status
		sev      plog.SeverityNumber
		sevText  string
		msg      string
		exitCode *int64
		signal   int64
	}{
		{"success", 0, plog.SeverityNumberInfo, "INFO", "curl (pid 4242) exit status 0", ptr(int64(0)), 0},
		{"failure", 3 << 8, plog.SeverityNumberWarn, "WARN", "curl (pid 4242) exit status 3", ptr(int64(3)), 0},
		{"sigkill", 9, plog.SeverityNumberError, "ERROR", "curl (pid 4242) killed by signal 9 (SIGKILL)", nil, 9},
		{"sigsegv with core", 0x80 | 11, plog.SeverityNumberError, "ERROR", "curl (pid 4242) killed by signal 11 (SIGSEGV), core dumped", nil, 11},
		{"sigabrt", 6, plog.SeverityNumberError, "ERROR", "curl (pid 4242) killed by signal 6 (SIGABRT)", nil, 6},
		{"sigbus", 7, plog.SeverityNumberError, "ERROR", "curl (pid 4242) killed by signal 7 (SIGBUS)", nil, 7},
		{"sigterm", 15, plog.SeverityNumberWarn, "WARN", "curl (pid 4242) killed by signal 15 (SIGTERM)", nil, 15},
		{"realtime signal", 40, plog.SeverityNumberWarn, "WARN", "curl (pid 4242) killed by signal 40", nil, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.exitCode = tc.code
			ev := mustDecode(t, "process.exit", s.bytes())
			assert.Equal(t, &unifiedevent.Event{
				Name:         unifiedevent.NameProcessExit,
				Severity:     tc.sev,
				SeverityText: tc.sevText,
				Message:      tc.msg,
				Process:      &unifiedevent.Process{PID: 4242, ParentPID: 1, ExecutableName: "curl", ExitCode: tc.exitCode},
				Kernel:       &unifiedevent.Kernel{CgroupID: 8412, Signal: tc.signal},
			}, ev)
		})
	}
}

// Without a cgroup and a signal there is nothing for a Kernel part to say.
func TestExitWithoutKernelPart(t *testing.T) {
	ev := mustDecode(t, "process.exit", exitSample{hdr: hdr{pid: 7, comm: "true"}, ppid: 1}.bytes())
	assert.Nil(t, ev.Kernel)
}
