package journal

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestArgs(t *testing.T) {
	base := []string{"--follow", "--merge", "--output=json", "--no-pager", "--quiet", "--priority=0..6"}
	o := Options{Path: "journalctl", MaxPriority: 6}
	assert.Equal(t, append(base, "--lines=0"), o.Args())

	o.Directory, o.Units, o.Cursor = "/host/var/log/journal", []string{"kubelet.service", "crio.service"}, "s=1;i=2"
	assert.Equal(t, append(base, "--directory=/host/var/log/journal", "--unit=kubelet.service", "--unit=crio.service",
		"--after-cursor=s=1;i=2"), o.Args())

	o = Options{Root: "/host", MaxPriority: 3, Beginning: true}
	assert.Equal(t, []string{"--follow", "--merge", "--output=json", "--no-pager", "--quiet", "--priority=0..3",
		"--root=/host", "--lines=all"}, o.Args())
}

func TestPeek(t *testing.T) {
	var pk Peeker
	e, err := pk.Peek([]byte(`{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1795932335848786","_SYSTEMD_UNIT":"init.scope","UNIT":"kubelet.service","_UID":"0","MESSAGE":[1,2]}`))
	require.NoError(t, err)
	assert.Equal(t, Entry{Cursor: "c", Time: time.UnixMicro(1795932335848786), Units: [3]string{"init.scope", "kubelet.service", ""}}, e)

	e, err = pk.Peek([]byte(`{"__CURSOR":"c","_SYSTEMD_UNIT":"user.service","UNIT":"kubelet.service","_UID":"1000"}`))
	require.NoError(t, err)
	assert.Equal(t, [3]string{"user.service", "", ""}, e.Units, "UNIT= is trusted from root only")
	assert.True(t, e.Time.IsZero())

	_, err = pk.Peek([]byte(`{"MESSAGE":"no cursor"}`))
	assert.ErrorIs(t, err, ErrNoCursor)
	_, err = pk.Peek([]byte(`{`))
	assert.Error(t, err)
}

func TestReadLinesJoinsLongLinesAndSkipsACutOne(t *testing.T) {
	long := strings.Repeat("x", 100)
	in := "a\n\n" + long + "\nb\npartial"
	var got []string
	var more []bool
	err := readLines(bufio.NewReaderSize(strings.NewReader(in), 16), func(line []byte, m bool) error {
		got = append(got, string(line))
		more = append(more, m)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", long, "b"}, got)
	assert.Equal(t, []bool{true, true, true}, more)
}

// fakeJournalctl writes a script standing in for journalctl, for the
// exits a real one gives only on a broken host; the receiver's tests run
// the real one.
func fakeJournalctl(t *testing.T, script string) string {
	path := filepath.Join(t.TempDir(), "journalctl")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	return path
}

func TestFollowReportsWhyJournalctlStopped(t *testing.T) {
	err := Follow(t.Context(), Options{Path: "/nonexistent/journalctl"}, nil)
	assert.ErrorIs(t, err, ErrStart)

	path := fakeJournalctl(t, `echo "Failed to seek to cursor: Invalid argument" >&2; exit 1`)
	err = Follow(t.Context(), Options{Path: path, Cursor: "bad"}, nil)
	assert.ErrorIs(t, err, ErrCursor)

	path = fakeJournalctl(t, `echo '{"__CURSOR":"1"}'; echo '{"__CURSOR":"2"}'; echo boom >&2; exit 3`)
	var lines []string
	err = Follow(t.Context(), Options{Path: path}, func(line []byte, _ bool) error {
		lines = append(lines, string(line))
		return nil
	})
	assert.ErrorIs(t, err, ErrExited)
	assert.Contains(t, err.Error(), "exit status 3: boom")
	assert.Equal(t, []string{`{"__CURSOR":"1"}`, `{"__CURSOR":"2"}`}, lines)
}

func TestFollowStopsJournalctl(t *testing.T) {
	path := fakeJournalctl(t, `echo line; exec sleep 60`)
	ctx, cancel := context.WithCancel(t.Context())
	start := time.Now()
	err := Follow(ctx, Options{Path: path}, func([]byte, bool) error {
		cancel()
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), stopGrace, "SIGTERM ends it, no kill needed")

	stop := errors.New("stop")
	err = Follow(t.Context(), Options{Path: path}, func([]byte, bool) error { return stop })
	assert.ErrorIs(t, err, stop)
}
