package cgroupid

import (
	"bytes"
)

// ProcPath picks, from the contents of /proc/<pid>/cgroup, the path that
// names a pod or container. The v2 line (0::) wins when it does; on a v1 or
// hybrid host the controllers' lines are tried in order. It reports false
// for a process outside any container.
func ProcPath(data []byte) (string, bool) {
	var fallback string
	for line := range bytes.SplitSeq(data, []byte{'\n'}) {
		// hierarchy-id:controllers:path; the path may itself hold colons.
		first := bytes.IndexByte(line, ':')
		if first < 0 {
			continue
		}
		second := bytes.IndexByte(line[first+1:], ':')
		if second < 0 {
			continue
		}
		path := string(line[first+1+second+1:])
		if _, ok := Parse(path); !ok {
			continue
		}
		if bytes.HasPrefix(line, []byte("0::")) {
			return path, true
		}
		if fallback == "" {
			fallback = path
		}
	}
	return fallback, fallback != ""
}
