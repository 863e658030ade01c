package cnidecoder

import (
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// operation is the CNI command the entry is about: a field that says so
// (CNI_COMMAND, command), else the words plugins use around it, in the
// message, else in the error (containerd: "plugin type=… failed (delete)").
func operation(f *fields) string {
	if op := canonicalOp(f.command); op != "" {
		return op
	}
	if op := opInText(f.msg); op != "" {
		return op
	}
	return opInText(f.err)
}

func canonicalOp(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "ADD":
		return "ADD"
	case "DEL", "DELETE":
		return "DEL"
	case "CHECK":
		return "CHECK"
	case "GC":
		return "GC"
	case "STATUS":
		return "STATUS"
	}
	return ""
}

// opInText finds the earliest way the plugins name a command: Calico ("CNI
// ADD", "CmdAddK8s"), Cilium ("Processing CNI ADD request"), the AWS VPC CNI
// ("Received CNI add request", "AddNetwork", "add network response"),
// Multus ("ADD starting CNI request", "CmdAdd (shim)", "Add: ns:pod:…"),
// containerd ("failed (add)") and Go frames (cmdAdd). One pass over the
// text: this runs for every entry.
func opInText(s string) string {
	if op := opAtStart(s); op != "" {
		return op
	}
	for i := 0; i < len(s); i++ {
		rest := s[i:]
		var op string
		switch s[i] {
		case 'C':
			if r, ok := strings.CutPrefix(rest, "CNI "); ok {
				op = opWord(r)
			} else if r, ok := strings.CutPrefix(rest, "Cmd"); ok {
				op = opTitle(r)
			}
		case 'c':
			if r, ok := strings.CutPrefix(rest, "cmd"); ok {
				op = opTitle(r)
			}
		case '(':
			// "(delete)" is the longest; looking further would make a
			// line of brackets quadratic.
			if j := strings.IndexByte(rest[:min(len(rest), 9)], ')'); j > 1 {
				op = canonicalOp(rest[1:j])
			}
		case 'A', 'D':
			if strings.HasPrefix(rest[1:], "ddNetwork") || strings.HasPrefix(rest[1:], "elNetwork") {
				op = opTitle(rest)
			}
		case ' ':
			if len(rest) > 12 && rest[4:12] == " network" {
				op = opTitle(strings.ToUpper(rest[1:2]) + rest[2:4])
			}
		}
		if op != "" {
			return op
		}
	}
	return ""
}

// opAtStart reads Multus' "ADD starting CNI request" and "Add: ns:pod".
func opAtStart(s string) string {
	word, _, found := strings.Cut(s, " ")
	if !found {
		return ""
	}
	switch word {
	case "ADD", "DEL", "CHECK", "GC", "STATUS":
		return word
	case "Add:":
		return "ADD"
	case "Del:":
		return "DEL"
	}
	return ""
}

// opWord reads the command after "CNI ": ADD, or add/del/delete/check
// followed by a space ("CNI add request").
func opWord(s string) string {
	end := 0
	for end < len(s) && (s[end] >= 'A' && s[end] <= 'Z' || s[end] >= 'a' && s[end] <= 'z') {
		end++
	}
	w := s[:end]
	if w == strings.ToLower(w) && (end == len(s) || s[end] != ' ') {
		return ""
	}
	return canonicalOp(w)
}

// opTitle reads the command in "CmdAdd", "cmdDel", "AddNetwork".
func opTitle(s string) string {
	for _, p := range [...]struct{ word, op string }{
		{"Add", "ADD"}, {"Del", "DEL"}, {"Check", "CHECK"}, {"GC", "GC"}, {"Status", "STATUS"},
	} {
		if strings.HasPrefix(s, p.word) {
			return p.op
		}
	}
	return ""
}

// saysFailed spots a failure reported in words, at a level below error
// (Calico warns that a CHECK failed).
func saysFailed(msg string) bool {
	return strings.Contains(msg, "failed") || strings.Contains(msg, "Failed")
}

// fromProse takes what only the message's prose says: the sandbox in
// "for container 5e1c…" or `sandbox "5e1c…"`.
func (f *fields) fromProse() {
	if f.containerID == "" {
		for _, p := range []string{"for container ", "sandbox "} {
			if i := strings.Index(f.msg, p); i >= 0 {
				id := strings.TrimLeft(f.msg[i+len(p):], `"'`)
				if end := strings.IndexFunc(id, func(r rune) bool { return !isHexRune(r) }); end >= 0 {
					id = id[:end]
				}
				if len(id) >= 12 {
					f.containerID = id
					break
				}
			}
		}
	}
}

// pluginInError is the plugin a runtime's error quotes: plugin
// type="bridge" failed (add).
func pluginInError(err string) string {
	if i := strings.Index(err, `type="`); i >= 0 {
		if j := strings.IndexByte(err[i+6:], '"'); j > 0 {
			return err[i+6 : i+6+j]
		}
	}
	return ""
}

func isHexRune(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' }

// isSuccess spots an entry that reports a call completed well.
func isSuccess(msg string) bool {
	return strings.Contains(msg, "uccess") || strings.Contains(msg, "err: <nil>") ||
		strings.Contains(msg, "processing complete")
}

// plugin names the plugin: a field that does, else the subsystem or
// caller, else the shape (Calico and Multus have their own), else one a
// runtime's error quotes, else the file: /var/log/calico/… is Calico, and under a cni folder the file is
// usually named after its plugin (/var/log/cni/whereabouts.log).
func plugin(f *fields, path string) string {
	switch {
	case f.plugin != "":
		return f.plugin
	case f.pluginHint != "":
		return f.pluginHint
	case f.shape == "calico", f.shape == "multus":
		return f.shape
	}
	if p := pluginInError(f.err); p != "" {
		return p
	}
	if p := pluginFromContext(path); p != "" {
		return p
	}
	if strings.Contains(path, "aws-routed-eni") {
		return "aws-cni"
	}
	if path != "" && filepath.Base(filepath.Dir(path)) == "cni" {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		if name != "cni" && name != "" {
			return name
		}
	}
	return ""
}

// podFromWorkload reads the pod name out of a Calico workload endpoint
// name, <node>-k8s-<pod>-<interface> with each part's dashes doubled.
func podFromWorkload(w string) string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '-' {
			cur.WriteByte(w[i])
			continue
		}
		if i+1 < len(w) && w[i+1] == '-' {
			cur.WriteByte('-')
			i++
			continue
		}
		parts = append(parts, cur.String())
		cur.Reset()
	}
	parts = append(parts, cur.String())
	if len(parts) == 4 && parts[1] == "k8s" {
		return text(parts[2])
	}
	return ""
}

// maxText bounds a message or error: an event's message is a one-liner,
// and the whole entry is kept in the raw bytes when configured.
const maxText = 2048

// text makes a value from the log valid UTF-8, as OTLP strings must be;
// log files hold whatever bytes a plugin wrote.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// clipText is text, cut to maxText bytes on a rune boundary.
func clipText(s string) string {
	s = text(s)
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
