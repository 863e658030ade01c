package cnidecoder

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// walkJSON calls fn for each member of the JSON object s. String values
// come unescaped; numbers, booleans and null as written; objects and arrays
// as their raw text (kind '{' or '['). It reports false, having called fn
// for the members before the fault, if s is not one well-formed object
// (trailing text is allowed: a log line may be cut). It never allocates for
// strings without escapes: they are substrings of s.
func walkJSON(s string, fn func(key, val string, kind byte)) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return true
	}
	for i < len(s) {
		if s[i] != '"' {
			return false
		}
		key, next, ok := jsonString(s, i)
		if !ok {
			return false
		}
		i = skipSpace(s, next)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) {
			return false
		}
		kind := s[i]
		var val string
		switch kind {
		case '"':
			val, next, ok = jsonString(s, i)
		case '{', '[':
			next, ok = skipComposite(s, i)
			val = s[i:next]
		default:
			next = i
			for next < len(s) && !strings.ContainsRune(",} \t\r\n", rune(s[next])) {
				next++
			}
			val, ok = s[i:next], next > i
		}
		if !ok {
			return false
		}
		fn(key, val, kind)
		i = skipSpace(s, next)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// jsonString reads the string starting at the quote at s[i].
func jsonString(s string, i int) (val string, next int, ok bool) {
	escaped := false
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return s[i+1 : j], j + 1, true
			}
			return unescape(s[i+1 : j]), j + 1, true
		}
	}
	return "", len(s), false
}

// skipComposite finds the end of the object or array at s[i].
func skipComposite(s string, i int) (next int, ok bool) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '"':
			_, n, ok := jsonString(s, j)
			if !ok {
				return len(s), false
			}
			j = n - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return len(s), false
}

// unescape decodes JSON escapes; a malformed one is kept as written.
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, n := hexRune(s[i+1:])
			if n == 0 {
				b.WriteString(`\u`)
				continue
			}
			i += n
			if utf16.IsSurrogate(r) {
				if r2, n2 := hexRune(strings.TrimPrefix(s[i+1:], `\u`)); n2 > 0 && strings.HasPrefix(s[i+1:], `\u`) {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 2 + n2
					}
				}
			}
			b.WriteRune(r)
		default:
			// \" \\ \/ and anything unknown: the character itself.
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func hexRune(s string) (rune, int) {
	if len(s) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}
