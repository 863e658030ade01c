package trimextension

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// pageOutExecutable pages out this process's executable: the read-only
// mappings of the file its code runs from.
func pageOutExecutable() (released int, err error) {
	self, err := procfs.Self()
	if err != nil {
		return 0, fmt.Errorf("open /proc/self: %w", err)
	}
	maps, err := self.ProcMaps()
	if err != nil {
		return 0, fmt.Errorf("read /proc/self/maps: %w", err)
	}
	exe, err := executableMappings(maps, ownCode())
	if err != nil {
		return 0, err
	}
	for _, m := range exe {
		if err := pageOut(m.StartAddr, m.EndAddr-m.StartAddr); err != nil {
			return released, fmt.Errorf("mapping %#x-%#x %s: %w", m.StartAddr, m.EndAddr, m.Pathname, err)
		}
		released++
	}
	return released, nil
}

// ownCode is an address in this package's code, hence in the executable.
func ownCode() uintptr { return reflect.ValueOf(ownCode).Pointer() }

// executableMappings returns the read-only mappings of the file that holds
// the code at pc: the executable's text, read-only data and function
// tables. The file is recognised by the device and inode of pc's own
// mapping, not by a path: a binary replaced on disk shows as "(deleted)",
// and on an overlay filesystem /proc/self/exe and the mappings name
// different files.
func executableMappings(maps []*procfs.ProcMap, pc uintptr) ([]*procfs.ProcMap, error) {
	var text *procfs.ProcMap
	for _, m := range maps {
		if m.StartAddr <= pc && pc < m.EndAddr {
			text = m
			break
		}
	}
	if text == nil {
		return nil, fmt.Errorf("no mapping holds the collector's own code at %#x", pc)
	}
	if text.Inode == 0 {
		return nil, fmt.Errorf("the collector's code at %#x is not mapped from a file (%q)", pc, text.Pathname)
	}
	var exe []*procfs.ProcMap
	for _, m := range maps {
		// A writable private mapping's written pages are anonymous copies:
		// paging them out would mean swap, not dropping clean file pages.
		if m.Dev == text.Dev && m.Inode == text.Inode && m.Perms != nil && !m.Perms.Write {
			exe = append(exe, m)
		}
	}
	return exe, nil
}

// pageOut reclaims the resident pages of [addr, addr+length) and has the
// kernel read them back one page at a time on the next touch, instead of a
// read-around window: what the steady state uses comes back, its
// neighbours stay on disk.
func pageOut(addr, length uintptr) error {
	if err := madvise(addr, length, unix.MADV_RANDOM); err != nil {
		return fmt.Errorf("madvise MADV_RANDOM: %w", err)
	}
	if err := madvise(addr, length, unix.MADV_PAGEOUT); err != nil {
		// Leave the mapping as it was: random reads without the page-out
		// would only make later faults slower.
		_ = madvise(addr, length, unix.MADV_NORMAL)
		if errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("madvise MADV_PAGEOUT: %w (it needs Linux 5.4 or later)", err)
		}
		return fmt.Errorf("madvise MADV_PAGEOUT: %w", err)
	}
	return nil
}

// madvise advises on a range of this process's own mappings. It takes
// plain addresses rather than unix.Madvise's byte slice: the ranges come
// from /proc/self/maps, and making slices of them would only hide that.
func madvise(addr, length uintptr, advice int) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, length, uintptr(advice)); errno != 0 {
		return errno
	}
	return nil
}
