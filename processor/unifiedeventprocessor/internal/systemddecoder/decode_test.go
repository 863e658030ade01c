package systemddecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func int64p(n int64) *int64 { return &n }

// Every captured payload decodes to the event a person would expect,
// in the order of testdata/samples.txt.
func TestDecodeCapturedSamples(t *testing.T) {
	want := []struct {
		sev     plog.SeverityNumber
		message string
		systemd unifiedevent.Systemd
	}{
		{plog.SeverityNumberInfo, "tapio-c-marker-1.service is inactive (dead)", unifiedevent.Systemd{
			Unit: "tapio-c-marker-1.service", ActiveState: "inactive", SubState: "dead", Result: "success",
			InvocationID: "4ea6a01d01294b9cb0a565cb4f87e8e1"}},
		{plog.SeverityNumberInfo, "kubelet.service inactive -> activating (start-pre)", unifiedevent.Systemd{
			Unit: "kubelet.service", OldActiveState: "inactive", ActiveState: "activating", SubState: "start-pre",
			Result: "success", InvocationID: "9e047c57e8e94d80b3f697885a1d71ea"}},
		{plog.SeverityNumberInfo, "kubelet.service activating -> active (running)", unifiedevent.Systemd{
			Unit: "kubelet.service", OldActiveState: "activating", ActiveState: "active", SubState: "running",
			Result: "success", InvocationID: "9e047c57e8e94d80b3f697885a1d71ea"}},
		{plog.SeverityNumberError, "kubelet.service failed (exit-code, status 3)", unifiedevent.Systemd{
			Unit: "kubelet.service", OldActiveState: "active", ActiveState: "failed", SubState: "failed",
			Result: "exit-code", ExitCode: "exited", ExitStatus: 3, InvocationID: "9e047c57e8e94d80b3f697885a1d71ea"}},
		{plog.SeverityNumberError, "tapio-crash.service failed (exit-code, status 1) after 2 restarts", unifiedevent.Systemd{
			Unit: "tapio-crash.service", OldActiveState: "active", ActiveState: "failed", SubState: "failed",
			Result: "exit-code", Restarts: 2, ExitCode: "exited", ExitStatus: 1, InvocationID: "995797df9f8d4433a6531c1d4785eca9"}},
		{plog.SeverityNumberWarn, "tapio-crash.service stopped (exit-code, status 1), restarting", unifiedevent.Systemd{
			Unit: "tapio-crash.service", OldActiveState: "failed", ActiveState: "activating", SubState: "auto-restart",
			Result: "exit-code", Restarts: 2, ExitCode: "exited", ExitStatus: 1, InvocationID: "995797df9f8d4433a6531c1d4785eca9"}},
		{plog.SeverityNumberWarn, "tapio-crash.service restarted, restart 3: activating (auto-restart)", unifiedevent.Systemd{
			Unit: "tapio-crash.service", OldActiveState: "activating", ActiveState: "activating", SubState: "auto-restart",
			Result: "exit-code", Restarts: 3, ExitCode: "exited", ExitStatus: 1, InvocationID: "995797df9f8d4433a6531c1d4785eca9"}},
		{plog.SeverityNumberError, "tapio-kill.service failed (signal, SIGSEGV)", unifiedevent.Systemd{
			Unit: "tapio-kill.service", OldActiveState: "active", ActiveState: "failed", SubState: "failed",
			Result: "signal", ExitCode: "killed", ExitStatus: 11, InvocationID: "ee539aca775e4aeeaf2245fb43ec2f78"}},
		{plog.SeverityNumberInfo, `sh[108]: E1129 06:00:00.000000    1234 kubelet.go:1500] "Failed to start" err="boom"`, unifiedevent.Systemd{
			Unit: "kubelet.service", Priority: int64p(6), Identifier: "sh",
			Cursor: "s=e142a0e5838a416d989928453f705c72;i=9e;b=1a7da50a51f6445e94ab4d5aca02189a;m=35751b0ba;t=6616414eb3d52;x=a6be1842d8f29aad"}},
		{plog.SeverityNumberInfo2, "systemd[1]: kubelet.service: Main process exited, code=exited, status=3/NOTIMPLEMENTED", unifiedevent.Systemd{
			Unit: "kubelet.service", InvocationID: "9e047c57e8e94d80b3f697885a1d71ea", Priority: int64p(5), Identifier: "systemd",
			Cursor: "s=e142a0e5838a416d989928453f705c72;i=9f;b=1a7da50a51f6445e94ab4d5aca02189a;m=35751b23d;t=6616414eb3ed6;x=68d485807c4cdb10"}},
		{plog.SeverityNumberWarn, "systemd[1]: kubelet.service: Failed with result 'exit-code'.", unifiedevent.Systemd{
			Unit: "kubelet.service", InvocationID: "9e047c57e8e94d80b3f697885a1d71ea", Priority: int64p(4), Identifier: "systemd",
			Cursor: "s=e142a0e5838a416d989928453f705c72;i=a0;b=1a7da50a51f6445e94ab4d5aca02189a;m=35751b2fb;t=6616414eb3f93;x=e5f3bea378569fb1"}},
		{plog.SeverityNumberInfo, "sh[117]: bad \uFFFD byte", unifiedevent.Systemd{
			Unit: "tapio-bin.service", InvocationID: "2f6b097f215e421b9e990b897f504bcc", Priority: int64p(6), Identifier: "sh",
			Cursor: "s=e142a0e5838a416d989928453f705c72;i=b4;b=1a7da50a51f6445e94ab4d5aca02189a;m=3575d38bf;t=6616414f6c558;x=281f307dc6019c1f"}},
	}
	got := samples(t)
	require.Len(t, got, len(want))
	for i, s := range got {
		ev, err := decoder(t, s.Kind).Decode(decode.Raw{Source: "systemd", Kind: s.Kind, Version: "1", Body: s.Body})
		require.NoError(t, err, "sample %d", i)
		assert.Equal(t, want[i].message, ev.Message, "sample %d", i)
		assert.Equal(t, want[i].sev, ev.Severity, "sample %d: %s", i, ev.Message)
		assert.Equal(t, want[i].systemd, *ev.Systemd, "sample %d", i)
		ev.ID = "00112233445566778899aabbccddeeff"
		require.NoError(t, ev.Validate(), "sample %d", i)
	}
}

func TestUnitStateCarriesTheMainProcess(t *testing.T) {
	body := `{"unit":"kubelet.service","trigger":"signal","old_active_state":"active","changed":["ActiveState"],
		"properties":{"ActiveState":"failed","SubState":"failed","Result":"exit-code","NRestarts":0,
		"ExecMainCode":1,"ExecMainStatus":3,"ExecMainPID":108}}`
	ev, err := decoder(t, "unit.state").Decode(decode.Raw{Version: "1", Body: []byte(body)})
	require.NoError(t, err)
	assert.Equal(t, unifiedevent.NameUnitState, ev.Name)
	assert.Equal(t, &unifiedevent.Process{PID: 108, ExitCode: int64p(3)}, ev.Process)

	// A core dump names the signal and says so.
	body = `{"unit":"a.service","properties":{"ActiveState":"failed","Result":"core-dump","ExecMainCode":3,"ExecMainStatus":6,"ExecMainPID":9}}`
	ev, err = decoder(t, "unit.state").Decode(decode.Raw{Version: "1", Body: []byte(body)})
	require.NoError(t, err)
	assert.Equal(t, "a.service failed (core-dump, SIGABRT, core dumped)", ev.Message)
	assert.Nil(t, ev.Process.ExitCode, "a killed process has no exit code")
}

func TestJournalEntryMapsProcessAndContainer(t *testing.T) {
	body := `{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1795932335848786","PRIORITY":"3","MESSAGE":"boom",
		"_PID":"4242","_UID":"1000","_COMM":"dockerd","_EXE":"/usr/bin/dockerd","_CMDLINE":"/usr/bin/dockerd -H fd://",
		"_SYSTEMD_UNIT":"docker.service","_SYSTEMD_INVOCATION_ID":"abc","SYSLOG_IDENTIFIER":"web",
		"UNIT":"spoofed.service","CONTAINER_ID":"0123456789ab","CONTAINER_ID_FULL":"0123456789abcdef","CONTAINER_NAME":"web-1"}`
	ev, err := decoder(t, "journal.entry").Decode(decode.Raw{Version: "1", Body: []byte(body)})
	require.NoError(t, err)
	assert.Equal(t, unifiedevent.NameJournalEntry, ev.Name)
	assert.Equal(t, plog.SeverityNumberError, ev.Severity)
	assert.Equal(t, "web[4242]: boom", ev.Message)
	assert.Equal(t, "docker.service", ev.Systemd.Unit, "UNIT= from a non-root process is not trusted")
	assert.Equal(t, "abc", ev.Systemd.InvocationID)
	assert.Equal(t, &unifiedevent.Process{PID: 4242, UserID: int64p(1000), ExecutableName: "dockerd",
		ExecutablePath: "/usr/bin/dockerd", CommandLine: "/usr/bin/dockerd -H fd://"}, ev.Process)
	assert.Equal(t, &unifiedevent.Container{ID: "0123456789abcdef", Name: "web-1"}, ev.Container)
	assert.Equal(t, time.UnixMicro(1795932335848786).UTC(), ev.Time)
}

func TestJournalFieldShapes(t *testing.T) {
	for body, want := range map[string]string{
		// Repeated fields are arrays; the first value counts.
		`{"MESSAGE":["one","two"],"_COMM":"x"}`: "x: one",
		// Fields too large for journalctl are null.
		`{"MESSAGE":null,"_SYSTEMD_UNIT":"u.service"}`: "u.service: ",
		// Nothing to name the writer by.
		`{"MESSAGE":"m","PRIORITY":"9"}`: "journal: m",
		// A byte array that is not bytes is dropped, not guessed at.
		`{"MESSAGE":[1,2,300],"SYSLOG_IDENTIFIER":"i"}`: "i: ",
	} {
		ev, err := decoder(t, "journal.entry").Decode(decode.Raw{Version: "1", Body: []byte(body)})
		require.NoError(t, err, body)
		assert.Equal(t, want, ev.Message, body)
		assert.Nil(t, ev.Systemd.Priority, "priority out of range is left out: %s", body)
	}
}

func TestDecodeErrors(t *testing.T) {
	d := decoder(t, "unit.state")
	_, err := d.Decode(decode.Raw{Version: "2", Body: []byte(`{}`)})
	assert.ErrorIs(t, err, decode.ErrUnsupportedVersion)

	for _, body := range []string{
		``, `{`, `[]`, `"x"`,
		`{"properties":{"ActiveState":"active"}}`,
		`{"unit":"a.service"}`,
		`{"unit":"a.service","properties":[]}`,
		`{"unit":"a.service","properties":{"SubState":"dead"}}`,
		`{"unit":7,"properties":{"ActiveState":"active"}}`,
		`{"unit":"a.service","changed":"x","properties":{"ActiveState":"active"}}`,
		`{"unit":"a.service","properties":{"ActiveState":"failed","ExecMainStatus":-1}}`,
		`{"unit":"a.service","properties":{"ActiveState":"failed","NRestarts":4294967296}}`,
		`{"unit":"a.service","properties":{"ActiveState":"failed","NRestarts":"2"}}`,
	} {
		ev, err := d.Decode(decode.Raw{Version: "1", Body: []byte(body)})
		assert.Error(t, err, body)
		assert.Nil(t, ev, body)
	}
	_, err = decoder(t, "journal.entry").Decode(decode.Raw{Version: "1", Body: []byte(`[1]`)})
	assert.Error(t, err)
}
