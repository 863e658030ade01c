package systemddecoder

import (
	"fmt"
	"strconv"

	"github.com/valyala/fastjson"
)

// str reads an optional string; JSON null reads as absent.
func str(v *fastjson.Value, key string) (string, error) {
	if v == nil {
		return "", nil
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return text(b), nil
	case fastjson.TypeNull:
		return "", nil
	}
	return "", fmt.Errorf("%w: %s is a JSON %s, want a string", ErrMalformed, key, v.Type())
}

// num reads an integer within [lo, hi].
func num(v *fastjson.Value, key string, lo, hi int64) (int64, error) {
	n, err := v.Int64()
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrMalformed, key, err)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s %d out of range %d..%d", ErrMalformed, key, n, lo, hi)
	}
	return n, nil
}

// si_code values of the main process's end, as systemd reports them in
// ExecMainCode.
const (
	cldExited = 1
	cldKilled = 2
	cldDumped = 3
)

var codeNames = [...]string{1: "exited", 2: "killed", 3: "dumped", 4: "trapped", 5: "stopped", 6: "continued"}

func codeText(code int64) string {
	if code > 0 && code < int64(len(codeNames)) {
		return codeNames[code]
	}
	return "code " + strconv.FormatInt(code, 10)
}

// signalNames are the Linux signal numbers a service usually dies of.
var signalNames = [...]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
	7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
	13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
}

func signalName(sig int64) string {
	if sig > 0 && sig < int64(len(signalNames)) && signalNames[sig] != "" {
		return signalNames[sig]
	}
	return "signal " + strconv.FormatInt(sig, 10)
}
