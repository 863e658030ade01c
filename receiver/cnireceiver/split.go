package cnireceiver

import (
	"bufio"
	"bytes"
)

// startFunc reports whether a line (without its newline) starts an entry.
type startFunc func(line []byte) bool

// lookahead is how much of a line decides whether it starts an entry: the
// built-in prefixes need 13 bytes, and a user's pattern sees this much.
const lookahead = 256

// entryMargin is what the file consumer may buffer beyond max_entry_size:
// an entry of exactly that size, its newline, and the lookahead into the
// next line must fit, or a split would be forced in the wrong place.
const entryMargin = 2 + lookahead

// newSplitFunc returns the file consumer's split function: one token per
// entry, an entry being a line that starts one plus every following line
// that does not. The token keeps its line terminators; entryBody drops the
// last one. It is shared by every file reader at once, so it keeps no
// state: the file consumer wraps it with the per-file state (flush timer,
// length cut). capacity is the file consumer's buffer limit.
//
// The start test is returned too, for remainder; it is nil when every line
// is an entry.
func newSplitFunc(pattern string, capacity int) (bufio.SplitFunc, startFunc, error) {
	re, err := compileStart(pattern)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case pattern == "^":
		return splitLines, nil, nil
	case re != nil:
		return splitEntries(re.Match, capacity), re.Match, nil
	default:
		return splitEntries(builtinStart, capacity), builtinStart, nil
	}
}

// remainder reports whether a token that follows a cut entry of the same
// file is the rest of that entry. The file consumer drops the rest itself,
// except when it reaches the end of the file while doing so (a long line
// still being written); then the rest arrives as a token of its own, and
// its first line is not an entry start. Every line is a start when
// isStart is nil, so the rest cannot be told apart there.
func remainder(isStart startFunc, token []byte) bool {
	if isStart == nil {
		return false
	}
	if i := bytes.IndexByte(token, '\n'); i >= 0 {
		token = token[:i]
	}
	return !isStart(token[:min(len(token), lookahead)])
}

// splitLines is the single-line case, without looking ahead.
func splitLines(data []byte, _ bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	return 0, nil, nil
}

// splitEntries ends an entry before the next line that starts one, or at
// the end of what has been written so far. Holding the last entry until the
// next one starts would lose it whenever the file is rotated or deleted
// before the flush timer fires, since the file consumer reads a file that
// left its globs only once more; the cost of not holding it is that an
// entry written in several pieces with a poll in between (rare: plugins and
// the Go runtime write an entry or a crash report in one burst) becomes
// several records, none lost.
//
// When the buffer is full and the last line is too short to judge, that
// line is taken as a start too: ending the entry there keeps the next entry
// whole, where waiting would make the file consumer cut through it. (The
// cost is that an entry of more than capacity bytes made of many lines may
// have its remainder emitted as further entries rather than dropped.)
func splitEntries(isStart startFunc, capacity int) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		// The first line always opens the token: either the previous
		// token ended right before an entry start, or this is the start
		// of the file (a file that begins mid-entry still yields it).
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			return 0, nil, nil
		}
		next := end + 1
		for next < len(data) {
			rest := data[next:]
			nl := bytes.IndexByte(rest, '\n')
			line := rest
			if nl >= 0 {
				line = rest[:nl]
			} else if len(rest) < lookahead {
				// Too little of the line being written to judge it:
				// wait for it, unless nothing more can come now.
				if atEOF || len(data) >= capacity {
					return next, data[:next], nil
				}
				return 0, nil, nil
			}
			if len(line) > lookahead {
				line = line[:lookahead]
			}
			if isStart(line) {
				return next, data[:next], nil
			}
			if nl < 0 {
				// A continuation line still being written: the file
				// consumer's flush timer emits it if it never ends.
				return 0, nil, nil
			}
			next += nl + 1
		}
		if atEOF || len(data) >= capacity {
			return next, data[:next], nil
		}
		return 0, nil, nil
	}
}

// entryBody is what a token emits: the entry without its final line
// terminator, cut to limit bytes. Every entry of at most limit bytes reaches
// here whole (see entryMargin), so a longer token is one to cut and count,
// whether the file consumer cut it first (a single line longer than its
// buffer) or not. A token flushed at the end of a file may lack its newline.
func entryBody(token []byte, limit int) (body []byte, cut bool) {
	if n := len(token); n > 0 && token[n-1] == '\n' {
		token = token[:n-1]
		if n := len(token); n > 0 && token[n-1] == '\r' {
			token = token[:n-1]
		}
	}
	if len(token) > limit {
		return token[:limit], true
	}
	return token, false
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// builtinStart recognises the first line of an entry as the plugins write
// them: a date (RFC 3339, Calico's "2026-11-29 08:01:02.345", Multus,
// Go's log "2026/11/29"), klog ("I1129 08:01:02.345678"), logfmt and logrus
// text ("time=", "level=", "ts=", "msg="), a JSON object, syslog ("Nov 29
// 08:01:02"), and Go's "panic: " and "fatal error: ", which open a crash
// report whose stack trace follows. Everything else (stack frames,
// "goroutine 1 [running]:", blank lines, indented text) continues the
// entry before it. It looks at a few bytes only: this runs once per line.
func builtinStart(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	switch c := line[0]; {
	case c == '{':
		return true
	case isDigit(c):
		return isDate(line)
	case c == 'I' || c == 'W' || c == 'E' || c == 'F':
		if isKlog(line) {
			return true
		}
	}
	for _, p := range logfmtPrefixes {
		if bytes.HasPrefix(line, p) {
			return true
		}
	}
	if len(line) >= 5 && line[3] == ' ' && (isDigit(line[4]) || line[4] == ' ') {
		for _, m := range months {
			if string(line[:3]) == m {
				return true
			}
		}
	}
	return false
}

var logfmtPrefixes = [][]byte{
	[]byte("time="), []byte("level="), []byte("ts="), []byte("msg="), []byte("lvl="),
	[]byte("panic: "), []byte("fatal error: "),
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isDate matches YYYY-MM-DD or YYYY/MM/DD.
func isDate(b []byte) bool {
	if len(b) < 10 {
		return false
	}
	sep := b[4]
	return (sep == '-' || sep == '/') && b[7] == sep &&
		isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) &&
		isDigit(b[5]) && isDigit(b[6]) && isDigit(b[8]) && isDigit(b[9])
}

// isKlog matches klog's header: a severity letter, MMDD, a space.
func isKlog(b []byte) bool {
	return len(b) >= 6 && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) && isDigit(b[4]) && b[5] == ' '
}
