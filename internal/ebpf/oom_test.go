package ebpf

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/loadgen"
)

const (
	tapioOOMHelperEnv = "TAPIO_TEST_OOM_CGROUP"
	oomLimit          = 16 << 20
)

// oomHelper runs in the re-executed test binary: it moves itself into the
// memory cgroup dir and touches memory until the OOM killer ends it.
func oomHelper(dir string) int {
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), pid, 0); err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	var hold [][]byte
	for range 512 {
		chunk := make([]byte, 1<<20)
		for i := 0; i < len(chunk); i += 4096 {
			chunk[i] = 1
		}
		hold = append(hold, chunk)
	}
	// Still alive after 512 MiB under a 16 MiB limit: no OOM kill happened.
	return len(hold) % 3
}

// makeMemcg creates a memory cgroup with a 16 MiB limit (memory and swap),
// with the load generator's helper (the v1 controller on hybrid hosts like
// CI, else v2), and removes it when the test ends.
func makeMemcg(t *testing.T) string {
	t.Helper()
	dir, err := loadgen.MemoryCgroup(oomLimit)
	require.NoError(t, err)
	t.Cleanup(func() {
		// The killed child leaves the cgroup a moment after Wait returns.
		assert.NoError(t, loadgen.RemoveCgroup(dir, 5*time.Second))
	})
	return dir
}

// runOOMKill runs the helper in a fresh 16 MiB memory cgroup until the
// OOM killer ends it, and returns its pid and the cgroup's inode.
func runOOMKill(t *testing.T) (pid uint32, memcgIno uint64) {
	t.Helper()
	dir := makeMemcg(t)
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(dir, &st))
	return runOOMHelper(t, dir), st.Ino
}

// runOOMHelper runs the helper in the memory cgroup dir until the OOM
// killer ends it, and returns its pid.
func runOOMHelper(t *testing.T, dir string) uint32 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), tapioOOMHelperEnv+"="+dir)
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "the helper should have been killed")
	ws := exitErr.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled(), "helper exited with %v instead of being killed", err)
	require.Equal(t, syscall.SIGKILL, ws.Signal())
	return uint32(cmd.Process.Pid)
}

func TestOOMKill(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeOOMKill))
	c := collect(t, p)
	pid, ino := runOOMKill(t)

	raw := c.await(t, wire.TypeOOMKill, "for the helper", func(b []byte) bool {
		e, err := wire.ParseOOMKill(b)
		return err == nil && e.VictimPID == pid
	})
	e, err := wire.ParseOOMKill(raw)
	require.NoError(t, err)
	// The kernfs id of a cgroup directory is its inode number.
	assert.Equal(t, ino, e.MemcgID)
	assert.Equal(t, filepath.Base(os.Args[0])[:min(15, len(filepath.Base(os.Args[0])))], e.VictimComm)
	assert.Equal(t, pid, e.PID, "the helper itself ran into the limit")
	assert.NotZero(t, e.VictimCgroupID)
	assert.NotZero(t, e.TotalVM)
	// Most of 16 MiB is anonymous memory the helper touched.
	assert.Greater(t, e.AnonRSS, uint64(1024), "anon rss pages")
}

// A reader starved of CPU lets the ring fill, and the kernel then loses
// samples of every kind. An OOM kill falls back on the reserve ring: it is
// counted as reserved, not lost, and it is the first sample read, ahead of
// the backlog. The main ring here is one page filled with exits (64 bytes
// each, so what room is left is too small for a 128-byte OOM sample).
func TestOOMKillKeptWhenTheRingIsFull(t *testing.T) {
	cfg := configFor(wire.TypeExit, wire.TypeOOMKill)
	cfg.RingSize = MinRingSize
	cfg.WakeupBytes = 0
	p := openProbe(t, cfg)

	// Nobody reads until the OOM kill happened.
	for range 100 {
		require.NoError(t, exec.Command("/bin/true").Run())
	}
	lost, err := p.LostCounts()
	require.NoError(t, err)
	require.NotZero(t, lost[wire.TypeExit], "100 exits should overflow a 4 KiB ring")
	used, size := p.RingFill()
	require.Greater(t, used+int(wire.OOMKillSize), size-8, "the main ring should have no room for an OOM sample")

	pid, ino := runOOMKill(t)

	reserved, err := p.ReservedCounts()
	require.NoError(t, err)
	lost, err = p.LostCounts()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, reserved[wire.TypeOOMKill], uint64(1), "the OOM kill went to the reserve ring")
	assert.Zero(t, lost[wire.TypeOOMKill], "no OOM kill was lost")
	assert.Zero(t, reserved[wire.TypeExit], "only OOM kills use the reserve ring")

	// The first sample read is an OOM kill, and the helper's is among
	// those the reserve ring took (another cgroup's could be too).
	var rec Record
	var read [wire.TypeMax]uint64
	var found *wire.OOMKillEvent
	for i := 0; ; i++ {
		p.Reader().SetDeadline(time.Now().Add(50 * time.Millisecond))
		err := p.Reader().ReadInto(&rec)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		require.NoError(t, err)
		h, err := wire.ParseHeader(rec.RawSample)
		require.NoError(t, err)
		read[h.Type]++
		if i == 0 {
			assert.Equal(t, wire.TypeOOMKill, h.Type, "the reserve ring is read before the backlog")
		}
		if h.Type == wire.TypeOOMKill {
			e, err := wire.ParseOOMKill(rec.RawSample)
			require.NoError(t, err)
			if e.VictimPID == pid {
				found = &e
			}
		}
	}
	require.NotNil(t, found, "the helper's OOM kill was read")
	assert.Equal(t, ino, found.MemcgID)
	produced, err := p.ProducedCounts()
	require.NoError(t, err)
	assert.Equal(t, produced[wire.TypeOOMKill], read[wire.TypeOOMKill], "every OOM kill produced was read")
	t.Logf("exits: lost %d, read %d; OOM kills: produced %d, reserved %d, read %d",
		lost[wire.TypeExit], read[wire.TypeExit], produced[wire.TypeOOMKill], reserved[wire.TypeOOMKill], read[wire.TypeOOMKill])
}

// When the reserve ring is full too, an OOM kill is lost and counted as
// lost, like any other sample: with a one-page reserve (room for 32 OOM
// samples) and the main ring full, 40 OOM kills leave 8 lost, and read +
// lost still equals produced once both rings are drained.
func TestOOMKillLostWhenTheReserveIsFullToo(t *testing.T) {
	const kills = 40
	cfg := configFor(wire.TypeExit, wire.TypeOOMKill)
	cfg.RingSize = MinRingSize
	cfg.WakeupBytes = 0
	cfg.reserveRingSize = MinRingSize
	p := openProbe(t, cfg)

	for range 100 {
		require.NoError(t, exec.Command("/bin/true").Run())
	}
	dir := makeMemcg(t)
	for range kills {
		runOOMHelper(t, dir)
	}

	reserved, err := p.ReservedCounts()
	require.NoError(t, err)
	lost, err := p.LostCounts()
	require.NoError(t, err)
	produced, err := p.ProducedCounts()
	require.NoError(t, err)
	read := drain(t, p.Reader())
	// A page holds 32 samples of 128 bytes (120 and the ring's 8-byte
	// header), but the ring keeps one byte free to tell full from empty.
	perPage := uint64(MinRingSize / (wire.OOMKillSize + 8))
	assert.GreaterOrEqual(t, produced[wire.TypeOOMKill], uint64(kills))
	assert.Equal(t, perPage-1, reserved[wire.TypeOOMKill], "the reserve ring took what it had room for")
	assert.Equal(t, produced[wire.TypeOOMKill]-reserved[wire.TypeOOMKill], lost[wire.TypeOOMKill], "the rest were lost, and counted")
	assert.Equal(t, produced[wire.TypeOOMKill], read[wire.TypeOOMKill]+lost[wire.TypeOOMKill], "read + lost = produced")
	t.Logf("OOM kills: produced %d, reserved %d, lost %d, read %d", produced[wire.TypeOOMKill], reserved[wire.TypeOOMKill], lost[wire.TypeOOMKill], read[wire.TypeOOMKill])
}
