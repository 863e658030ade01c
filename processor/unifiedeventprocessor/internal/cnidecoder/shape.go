package cnidecoder

import (
	"strings"
	"time"
)

// parse reads the first line of an entry (head) by its shape; rest is the
// rest of the entry, which only crash reports use. The shapes are tried by
// their first bytes, so each entry is parsed once.
func parse(f *fields, head, rest string, observed time.Time) {
	switch {
	case strings.HasPrefix(head, "{"):
		if parseJSON(f, head) {
			return
		}
	case strings.HasPrefix(head, "panic: "), strings.HasPrefix(head, "fatal error: "):
		f.shape, f.level, f.msg = "go-panic", "fatal", head
		f.err = head
		f.command = commandFromStack(rest)
		return
	case isLogfmtStart(head):
		f.shape = "logfmt"
		walkPairs(head, f.add)
		return
	case len(head) >= 6 && strings.IndexByte("IWEF", head[0]) >= 0 && isDigits(head[1:5]) && head[5] == ' ':
		if parseKlog(f, head, observed) {
			return
		}
	case len(head) >= 10 && isDigits(head[:4]) && (head[4] == '-' || head[4] == '/'):
		if parseDated(f, head) {
			return
		}
	}
	f.shape = "text"
	parseText(f, head)
}

func isLogfmtStart(s string) bool {
	for _, p := range []string{"time=", "level=", "ts=", "msg=", "lvl="} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// parseJSON reads a JSON entry: zap (AWS VPC CNI), logrus and Cilium JSON,
// or a CNI result or error object as a plugin prints it.
func parseJSON(f *fields, s string) bool {
	f.shape = "json"
	var code string
	ok := walkJSON(s, func(key, val string, kind byte) {
		switch key {
		case "cniVersion":
			f.cniResult, f.shape = true, "cni-result"
		case "code":
			code = val
		case "ips":
			f.addIPs(val)
		case "msg", "message":
			// The message is free text that often holds the call's
			// fields (AWS: "ContainerID(…) Netns(…)").
			set(&f.msg, val)
			walkPairs(val, f.add)
		default:
			if kind == '{' || kind == '[' {
				return
			}
			f.add(key, val)
		}
	})
	if !ok && f.msg == "" && f.level == "" {
		*f = fields{}
		return false
	}
	if f.cniResult {
		if n, good := parseCode(code); good {
			f.errCode = n
			f.err = f.msg
			if f.details != "" {
				f.err = strings.TrimPrefix(f.err+": "+f.details, ": ")
			}
		} else if len(f.ips) > 0 {
			f.success = true
			f.msg = "CNI result: " + strings.Join(f.ips, ", ")
		}
	}
	return true
}

func parseCode(s string) (int64, bool) {
	if !isDigits(s) || len(s) > 9 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// parseKlog reads "I1129 08:01:02.345678    1234 file.go:123] message
// key=value", the message possibly quoted (structured klog).
func parseKlog(f *fields, s string, observed time.Time) bool {
	end := strings.Index(s, "] ")
	if end < 0 {
		return false
	}
	f.shape = "klog"
	f.level = s[:1]
	if sp := strings.IndexByte(s[6:], ' '); sp > 0 {
		f.time = klogTime(s[1:5], s[6:6+sp], observed)
	}
	body := s[end+2:]
	f.line = body
	if strings.HasPrefix(body, `"`) {
		msg, next := quoted(body, 0)
		f.msg = msg
		walkPairs(body[next:], f.add)
		return true
	}
	first := walkPairs(body, f.add)
	f.msg = strings.TrimSpace(body[:first])
	return true
}

// parseDated reads entries that open with a date: Calico
// ("2026-11-29 08:01:02.345 [INFO][1234] plugin.go 123: msg k=v"), Multus
// ("2026-11-29T08:01:02Z [verbose] msg"), a timestamped logfmt line, zap's
// console form, Go's log ("2026/11/29 08:01:02 msg") and "date LEVEL msg".
func parseDated(f *fields, s string) bool {
	n := strings.IndexAny(s, " \t")
	if n < 0 {
		n = len(s)
	}
	if n == 10 && len(s) > 11 && s[11] >= '0' && s[11] <= '9' {
		// Date and time apart: "2026-11-29 08:01:02.345".
		if m := strings.IndexByte(s[11:], ' '); m >= 0 {
			n = 11 + m
		} else {
			n = len(s)
		}
	}
	f.time = parseTime(strings.ReplaceAll(s[:n], "/", "-"))
	rest := strings.TrimLeft(s[n:], " \t")
	switch {
	case strings.Contains(rest, "\t"):
		parseTabbed(f, rest)
		return true
	case strings.HasPrefix(rest, "["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			break
		}
		f.level = rest[1:end]
		rest = rest[end+1:]
		if strings.HasPrefix(rest, "[") {
			// Calico: [LEVEL][pid] file.go line: message
			f.shape = "calico"
			if e := strings.IndexByte(rest, ']'); e >= 0 {
				rest = rest[e+1:]
			}
			if c := strings.Index(rest, ": "); c >= 0 && strings.Count(rest[:c], " ") <= 2 {
				rest = rest[c+2:]
			}
		} else {
			f.shape = "multus"
		}
		rest = strings.TrimLeft(rest, " ")
		if f.shape == "multus" {
			parseMultusResult(f, rest)
		}
	case isLogfmtStart(rest):
		f.shape = "logfmt"
		walkPairs(rest, f.add)
		return true
	default:
		f.shape = "text"
		if w, after, ok := levelWord(rest); ok {
			f.level, rest = w, after
		}
	}
	f.line = rest
	first := walkPairs(rest, f.add)
	f.msg = strings.TrimRight(strings.TrimSpace(rest[:first]), ",")
	if f.msg == "" {
		f.msg = strings.TrimSpace(rest)
	}
	return true
}

// parseTabbed reads zap's console encoder: level, caller, message and the
// fields as JSON, tab-separated.
func parseTabbed(f *fields, s string) {
	f.shape = "text"
	f.line = s
	parts := strings.Split(s, "\t")
	if _, ok := severityOf(parts[0]); ok {
		f.level, parts = parts[0], parts[1:]
	}
	if len(parts) > 1 && strings.Contains(parts[0], ".go:") {
		set(&f.pluginHint, pluginFromContext(parts[0]))
		parts = parts[1:]
	}
	if n := len(parts); n > 1 && strings.HasPrefix(parts[n-1], "{") {
		walkJSON(parts[n-1], func(key, val string, _ byte) { f.add(key, val) })
		parts = parts[:n-1]
	}
	f.msg = strings.Join(parts, " ")
}

// parseMultusResult reads the line Multus writes after a delegate's ADD or
// DEL, "Add: <namespace>:<pod>:<uid>:<network>(<name>):<ifname> <result>".
func parseMultusResult(f *fields, s string) {
	after, ok := strings.CutPrefix(s, "Add: ")
	if !ok {
		if after, ok = strings.CutPrefix(s, "Del: "); !ok {
			return
		}
	}
	parts := strings.SplitN(after, ":", 5)
	if len(parts) < 5 {
		return
	}
	set(&f.namespace, parts[0])
	set(&f.podName, parts[1])
	set(&f.podUID, parts[2])
	ifName, result, _ := strings.Cut(parts[4], " ")
	set(&f.ifName, ifName)
	f.addIPs(result)
	if len(f.ips) > 0 {
		f.success = true
	}
}

// parseText reads an entry of no known shape: a leading level word if any,
// and whatever pairs it holds.
func parseText(f *fields, s string) {
	if w, after, ok := levelWord(s); ok {
		f.level, s = w, after
	}
	walkPairs(s, f.add)
	f.msg = strings.TrimSpace(s)
	f.line = f.msg
}

// levelWord takes a level written as the first word, as zap's console
// encoder and many plain loggers do ("INFO", "error", "[WARN]", "W:").
func levelWord(s string) (level, rest string, ok bool) {
	w, rest, _ := strings.Cut(s, " ")
	if i := strings.IndexByte(w, '\t'); i >= 0 {
		w, rest = w[:i], s[i+1:]
	}
	w = strings.Trim(w, "[]:")
	if _, known := severityOf(w); !known || len(w) < 3 {
		return "", s, false
	}
	return w, strings.TrimLeft(rest, " \t"), true
}

// commandFromStack finds the CNI command a crashed plugin was running from
// its stack trace, where skel calls cmdAdd, cmdDel, cmdCheck …
func commandFromStack(trace string) string {
	for _, c := range []struct{ frame, op string }{
		{"cmdAdd(", "ADD"}, {"cmdDel(", "DEL"}, {"cmdCheck(", "CHECK"}, {"cmdGC(", "GC"}, {"cmdStatus(", "STATUS"},
		{"CmdAdd", "ADD"}, {"CmdDel", "DEL"}, {"CmdCheck", "CHECK"},
	} {
		if strings.Contains(trace, c.frame) {
			return c.op
		}
	}
	return ""
}
