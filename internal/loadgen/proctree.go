package loadgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReadTreeUsage is ReadUsage summed over pid and its live descendants:
// tapio_systemd reads the journal through a journalctl child, whose CPU
// and memory are the collector's cost as much as its own. PeakRSS is the
// sum of each process's own peak, an upper bound of the tree's. own is
// pid's alone, from the same reading: what the shipped agent costs when it
// runs no journalctl.
func ReadTreeUsage(pid int) (tree, own Usage, err error) {
	own, err = ReadUsage(pid)
	if err != nil {
		return own, own, err
	}
	total := own
	for _, child := range descendants(pid) {
		u, err := ReadUsage(child)
		if err != nil {
			// A child that exited between listing and reading costs
			// nothing any more.
			continue
		}
		total.CPU += u.CPU
		total.RSS += u.RSS
		total.PeakRSS += u.PeakRSS
		total.RSSAnon += u.RSSAnon
		total.RSSFile += u.RSSFile
		total.MajorFaults += u.MajorFaults
	}
	return total, own, nil
}

// descendants lists the live processes below pid, from every thread's
// children file (a child belongs to the thread that forked it).
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p))
		for _, t := range tasks {
			data, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(data)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}
