package cnireceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuiltinStart(t *testing.T) {
	starts := []string{
		`2026-11-29 08:01:02.345 [INFO][1234] plugin.go 123: x`,
		`2026-11-29T08:01:02Z [verbose] ADD starting CNI request`,
		`2026/11/29 08:01:02 bridge: x`,
		`time="2026-11-29T08:01:02Z" level=info msg=x`,
		`level=info msg=x`, `ts=1 msg=x`, `msg=x`, `lvl=warn`,
		`{"level":"info"}`,
		`I1129 08:01:02.345678    1234 cni.go:214] x`, `E1129 08:01:02.345678 1 x`,
		`Nov 29 08:01:02 host x`, `Nov  9 08:01:02 host x`,
		`panic: runtime error`, `fatal error: concurrent map writes`,
	}
	for _, s := range starts {
		assert.True(t, builtinStart([]byte(s)), s)
	}
	continuations := []string{
		"", "\t/go/src/x.go:412 +0x1d", "goroutine 1 [running]:", "main.cmdAdd(0xc0000a2000)",
		"[signal SIGSEGV: segmentation violation]", "  indented", "created by main.main in goroutine 1",
		"2026-1", "I112", "Novel text", "exit status 2",
	}
	for _, s := range continuations {
		assert.False(t, builtinStart([]byte(s)), s)
	}
}

// scan runs a split function over data as the file consumer does at the
// end of a file, returning the tokens and what is left.
func scan(t *testing.T, pattern string, capacity int, data string) (tokens []string, rest string) {
	t.Helper()
	split, _, err := newSplitFunc(pattern, capacity)
	require.NoError(t, err)
	for len(data) > 0 {
		adv, tok, err := split([]byte(data), true)
		require.NoError(t, err)
		if adv == 0 {
			break
		}
		tokens = append(tokens, string(tok))
		data = data[adv:]
	}
	return tokens, data
}

func TestSplitEntries(t *testing.T) {
	panicEntry := "panic: boom\n\ngoroutine 1 [running]:\nmain.cmdAdd()\n\t/x.go:1 +0x1\n"
	data := "level=info msg=a\n" + panicEntry + "level=info msg=b\nlevel=info msg=c\n"
	tokens, rest := scan(t, "", 1<<20, data)
	assert.Equal(t, []string{"level=info msg=a\n", panicEntry, "level=info msg=b\n", "level=info msg=c\n"}, tokens)
	assert.Empty(t, rest)

	// A line without its newline yet waits, even at the end of the file.
	tokens, rest = scan(t, "", 1<<20, "level=info msg=a\nlevel=info msg=b")
	assert.Equal(t, []string{"level=info msg=a\n"}, tokens)
	assert.Equal(t, "level=info msg=b", rest)

	// A user pattern, and "^" for one entry per line.
	tokens, _ = scan(t, `\[`, 1<<20, "[a]\n b\n[c]\n")
	assert.Equal(t, []string{"[a]\n b\n", "[c]\n"}, tokens)
	tokens, _ = scan(t, "^", 1<<20, "a\n b\n")
	assert.Equal(t, []string{"a\n", " b\n"}, tokens)
}

func TestSplitAtCapacityKeepsTheNextEntry(t *testing.T) {
	split, _, err := newSplitFunc("", 64)
	require.NoError(t, err)
	// The buffer is full and the last line is too short to judge: the
	// entry ends before it rather than being cut through it.
	entry := "level=info msg=" + strings.Repeat("x", 41) + "\n"
	full := entry + "level=i"
	require.Len(t, full, 64)
	adv, tok, _ := split([]byte(full), false)
	assert.Equal(t, len(entry), adv)
	assert.Equal(t, entry, string(tok))
	// Not full: wait for more.
	adv, tok, _ = split([]byte(entry+"lev"), false)
	assert.Zero(t, adv)
	assert.Nil(t, tok)
}

func TestEntryBody(t *testing.T) {
	cases := []struct {
		token, body string
		cut         bool
	}{
		{"abc\n", "abc", false},
		{"abc\r\n", "abc", false},
		{"abc", "abc", false},
		{"ab\nc\n", "ab\nc", false},
		{"abcdef\n", "abcd", true},
		{"abcd\n", "abcd", false},
	}
	for _, c := range cases {
		body, cut := entryBody([]byte(c.token), 4)
		assert.Equal(t, c.body, string(body), c.token)
		assert.Equal(t, c.cut, cut, c.token)
	}
}

func TestRemainder(t *testing.T) {
	assert.True(t, remainder(builtinStart, []byte("0123456789 rest of a cut line\n")))
	assert.False(t, remainder(builtinStart, []byte("level=info msg=next\n")))
	assert.False(t, remainder(nil, []byte("anything")), "every line is an entry with ^")
}
