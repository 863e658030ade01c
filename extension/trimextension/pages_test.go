package trimextension

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func mapping(start, end uintptr, perms string, dev, inode uint64, path string) *procfs.ProcMap {
	return &procfs.ProcMap{StartAddr: start, EndAddr: end, Dev: dev, Inode: inode, Pathname: path,
		Perms: &procfs.ProcMapPermissions{Read: perms[0] == 'r', Write: perms[1] == 'w', Execute: perms[2] == 'x', Private: perms[3] == 'p'}}
}

func TestExecutableMappingsAreTheCodesFile(t *testing.T) {
	maps := []*procfs.ProcMap{
		mapping(0x400000, 0x2000000, "r-xp", 0xfd01, 42, "/otelcol-tapio (deleted)"),
		mapping(0x2000000, 0x4000000, "r--p", 0xfd01, 42, "/otelcol-tapio (deleted)"),
		mapping(0x4000000, 0x4100000, "rw-p", 0xfd01, 42, "/otelcol-tapio (deleted)"),
		mapping(0x4100000, 0x4200000, "rw-p", 0, 0, ""),
		// Same inode number on another device, and another file by the
		// same name: neither is the executable.
		mapping(0x7f0000000000, 0x7f0000100000, "r--p", 0xfd02, 42, "/otelcol-tapio (deleted)"),
		mapping(0x7f0000100000, 0x7f0000200000, "r--s", 0xfd01, 43, "/otelcol-tapio"),
	}
	exe, err := executableMappings(maps, 0x401234)
	require.NoError(t, err)
	require.Len(t, exe, 2)
	assert.Equal(t, uintptr(0x400000), exe[0].StartAddr)
	assert.Equal(t, uintptr(0x2000000), exe[1].StartAddr)
}

func TestExecutableMappingsNeedAFile(t *testing.T) {
	maps := []*procfs.ProcMap{mapping(0x400000, 0x2000000, "r-xp", 0, 0, "")}
	_, err := executableMappings(maps, 0x401234)
	require.ErrorContains(t, err, "not mapped from a file")
	_, err = executableMappings(maps, 0x10)
	require.ErrorContains(t, err, "no mapping holds")
}

// executableResident sums the resident size of this process's executable
// mappings, from /proc/self/smaps.
func executableResident(t *testing.T) uint64 {
	t.Helper()
	self, err := procfs.Self()
	require.NoError(t, err)
	maps, err := self.ProcMaps()
	require.NoError(t, err)
	exe, err := executableMappings(maps, ownCode())
	require.NoError(t, err)
	starts := map[uint64]bool{}
	for _, m := range exe {
		starts[uint64(m.StartAddr)] = true
	}
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	var total uint64
	counting := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if addr, _, ok := strings.Cut(line, "-"); ok && !strings.Contains(addr, ":") && !strings.Contains(addr, " ") {
			start, err := strconv.ParseUint(addr, 16, 64)
			counting = err == nil && starts[start]
			continue
		}
		if v, ok := strings.CutPrefix(line, "Rss:"); counting && ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			total += kb << 10
		}
	}
	require.NoError(t, sc.Err())
	return total
}

// TestPageOutReleasesTheRunningExecutable pages out this test binary,
// which runs on, and checks that most of its resident pages left the
// resident set.
func TestPageOutReleasesTheRunningExecutable(t *testing.T) {
	before := executableResident(t)
	require.Positive(t, before)
	n, err := pageOutExecutable()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 2, "text and read-only data at least")
	after := executableResident(t)
	t.Logf("the test binary's resident pages: %d KiB -> %d KiB", before>>10, after>>10)
	assert.Less(t, after, before/2)
}

func TestPageOutOfUnmappedMemoryFails(t *testing.T) {
	// Below vm.mmap_min_addr nothing is ever mapped.
	err := pageOut(uintptr(unix.Getpagesize()), uintptr(unix.Getpagesize()))
	require.Error(t, err)
	assert.ErrorIs(t, err, unix.ENOMEM)
}
