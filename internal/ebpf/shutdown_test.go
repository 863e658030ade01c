package ebpf

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// loadedPrograms lists the kernel's BPF programs by name, as bpftool prog
// list does, through the same BPF_PROG_GET_NEXT_ID walk.
func loadedPrograms(t *testing.T) map[ebpf.ProgramID]string {
	t.Helper()
	out := map[ebpf.ProgramID]string{}
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return out
		}
		require.NoError(t, err)
		id = next
		prog, err := ebpf.NewProgramFromID(id)
		if errors.Is(err, os.ErrNotExist) {
			continue // unloaded meanwhile
		}
		require.NoError(t, err)
		info, err := prog.Info()
		require.NoError(t, err)
		out[id] = info.Name
		prog.Close()
	}
}

// linkedPrograms lists the program ids that links hold.
func linkedPrograms(t *testing.T) map[ebpf.ProgramID]bool {
	t.Helper()
	out := map[ebpf.ProgramID]bool{}
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		info, err := it.Link.Info()
		require.NoError(t, err)
		out[info.Program] = true
	}
	require.NoError(t, it.Err())
	return out
}

func TestCloseLeavesNothing(t *testing.T) {
	p := openProbe(t, configFor())
	ours := map[string]bool{}
	for _, h := range p.Hooks() {
		require.True(t, h.Attached, "%s: %v", h.Name, h.Err)
		ours[h.Program] = true
	}
	// Our own programs by id, not by name: other test packages load the
	// same programs into the same kernel at the same time.
	ids := map[ebpf.ProgramID]bool{}
	for _, prog := range p.progs {
		info, err := prog.Info()
		require.NoError(t, err)
		id, ok := info.ID()
		require.True(t, ok, "the kernel reports program ids")
		ids[id] = true
	}
	loaded := loadedPrograms(t)
	for id := range ids {
		assert.True(t, ours[loaded[id]], "program %d (%q) belongs to a hook", id, loaded[id])
	}
	require.Len(t, ids, len(ours), "each hook's program is loaded once")

	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "a second Close is a no-op")

	// The kernel frees a detached link, and so its program, after an RCU
	// grace period, so the lists empty shortly after Close returns.
	left := func() []string {
		var names []string
		for id, name := range loadedPrograms(t) {
			if ids[id] {
				names = append(names, name)
			}
		}
		for id := range linkedPrograms(t) {
			if ids[id] {
				names = append(names, "link to program "+strconv.Itoa(int(id)))
			}
		}
		return names
	}
	var remaining []string
	require.Eventually(t, func() bool {
		remaining = left()
		return len(remaining) == 0
	}, 5*time.Second, 10*time.Millisecond, "still loaded after Close")
	assert.Empty(t, remaining)
	// Nothing was pinned.
	_ = filepath.WalkDir("/sys/fs/bpf", func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "tapio") {
			t.Errorf("pinned object left behind: %s", path)
		}
		return nil
	})
}

func TestOpenWithoutBTF(t *testing.T) {
	saved := kernelBTFPath
	kernelBTFPath = filepath.Join(t.TempDir(), "vmlinux")
	defer func() { kernelBTFPath = saved }()

	_, err := Open(DefaultConfig())
	require.ErrorIs(t, err, ErrNoBTF)
}

// Without CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON, Open says so in one
// sentence. The capabilities are dropped on a locked thread that dies with
// its goroutine, so the rest of the test binary keeps them.
func TestOpenWithoutPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		_, err := Open(DefaultConfig())
		require.ErrorIs(t, err, ErrNotPermitted)
		return
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with us
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			errc <- err
			return
		}
		for _, c := range []uint{unix.CAP_SYS_ADMIN, unix.CAP_BPF, unix.CAP_PERFMON} {
			data[c/32].Effective &^= 1 << (c % 32)
		}
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			errc <- err
			return
		}
		_, err := Open(DefaultConfig())
		errc <- err
	}()
	err := <-errc
	require.ErrorIs(t, err, ErrNotPermitted)
	assert.Equal(t, ErrNotPermitted.Error(), err.Error(), "one clear sentence")
}

// The receiver's read loop reads the ring's fill when it flushes, which
// it does as Shutdown closes the probe: after Close the fill is that of an
// empty ring, not a read of the unmapped one (a nil dereference and a
// data race before), and the reader's config switch reports the close.
func TestRingFillAndSetQuietAfterClose(t *testing.T) {
	cfg := configFor(wire.TypeTCPState)
	p := openProbe(t, cfg)
	require.NoError(t, p.Close())
	used, size := p.RingFill()
	assert.Zero(t, used)
	assert.Equal(t, cfg.RingSize, size)
	require.ErrorIs(t, p.setQuiet(true), ErrClosed)
}

// The receiver's loss loop may be reading the counters as Shutdown closes
// the probe: a read during Close is done before the maps are freed, one
// after it returns ErrClosed rather than reading a closed descriptor (a
// data race before, which -race reports with the reader below).
func TestCountersDuringAndAfterClose(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeExec))
	reads := make(chan error)
	go func() {
		for {
			if _, err := p.LostCounts(); err != nil {
				reads <- err
				return
			}
		}
	}()
	require.NoError(t, p.Close())
	require.ErrorIs(t, <-reads, ErrClosed)
	for name, read := range map[string]func() ([wire.TypeMax]uint64, error){
		"lost": p.LostCounts, "shed": p.ShedCounts, "produced": p.ProducedCounts, "reserved": p.ReservedCounts,
	} {
		_, err := read()
		assert.ErrorIs(t, err, ErrClosed, name)
	}
}
