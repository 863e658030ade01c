package cnidecoder

import (
	"strconv"
	"strings"
)

// walkPairs finds the key/value pairs plugins write into text, in the three
// forms they use, and calls fn with each key and its value (unquoted):
//
//	key=value key="quoted value" a=1;b=2   logfmt, logrus, CNI_ARGS
//	Key:"value"  Key: "value"  err: text    Multus
//	Key(value)                              the AWS VPC CNI's request line
//
// A bare value after '=' runs to the next ';', or to the next space that is
// followed by another key= (Calico writes errors unquoted, spaces and all);
// err: takes the rest of the line. first is the offset of the first pair,
// len(text) if there is none, so callers can take the text before it as the
// message.
func walkPairs(text string, fn func(key, val string)) (first int) {
	first = len(text)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '=' && c != ':' && c != '(' {
			continue
		}
		k := keyStart(text, i)
		if k == i {
			continue
		}
		key := text[k:i]
		var val string
		var end int
		switch {
		case c == '=':
			val, end = value(text, i+1)
		case c == ':':
			j := i + 1
			if j < len(text) && text[j] == ' ' {
				j++
			}
			switch {
			case j < len(text) && text[j] == '"':
				val, end = quoted(text, j)
			case isErrKey(key):
				val, end = strings.TrimSpace(strings.TrimSuffix(text[j:], ",")), len(text)
			default:
				continue
			}
		default: // '('
			if !parenKeys[key] {
				continue
			}
			end = closeParen(text, i)
			val = text[i+1 : end]
			if end < len(text) {
				end++
			}
		}
		if first == len(text) {
			first = k
		}
		fn(key, val)
		i = max(end, i+1) - 1
	}
	return first
}

// parenKeys are the keys written Key(value); other words before a '(' are
// function calls.
var parenKeys = map[string]bool{"ContainerID": true, "Netns": true, "IfName": true, "Args": true, "Path": true}

// isErrKey is Multus' "err: <text>", which runs to the end of the line.
// (Not "error:": "rpc error: code = …" is prose.)
func isErrKey(k string) bool { return k == "err" }

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '@'
}

// keyStart walks back from the separator at i over the key, which must
// begin the text or follow a space, ';', ',', '(' , '{', '[' or a single
// quote (Multus quotes a request inside its error).
func keyStart(text string, i int) int {
	k := i
	for k > 0 && isKeyByte(text[k-1]) {
		k--
	}
	if k == i || k > 0 && !isPairLead(text[k-1]) {
		return i
	}
	return k
}

func isPairLead(c byte) bool {
	switch c {
	case ' ', '\t', ';', ',', '(', '{', '[', '\'':
		return true
	}
	return false
}

func value(text string, i int) (val string, end int) {
	if i < len(text) && text[i] == '"' {
		return quoted(text, i)
	}
	depth := 0
	for j := i; j < len(text); j++ {
		switch c := text[j]; c {
		case ';':
			if depth == 0 {
				return strings.TrimSuffix(text[i:j], ","), j
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth > 0 {
				depth--
			}
		case ' ', '\t':
			if depth == 0 && nextIsPair(text, j+1) {
				return strings.TrimSuffix(text[i:j], ","), j
			}
		}
	}
	return strings.TrimSpace(text[i:]), len(text)
}

// nextIsPair reports whether a key= starts at i.
func nextIsPair(text string, i int) bool {
	j := i
	for j < len(text) && isKeyByte(text[j]) {
		j++
	}
	return j > i && j < len(text) && text[j] == '='
}

// quoted reads a Go- or JSON-quoted string at text[i]; an unterminated one
// runs to the end.
func quoted(text string, i int) (string, int) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			raw := text[i+1 : j]
			if strings.IndexByte(raw, '\\') < 0 {
				return raw, j + 1
			}
			if s, err := strconv.Unquote(text[i : j+1]); err == nil {
				return s, j + 1
			}
			return unescape(raw), j + 1
		}
	}
	return text[i+1:], len(text)
}

func closeParen(text string, i int) int {
	depth := 0
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(text)
}
