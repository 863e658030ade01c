package decode

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Severity pairs a log severity number with the text written beside it, so
// events from every source read alike in a backend.
type Severity struct {
	Number plog.SeverityNumber
	Text   string
}

// The severities decoders use.
var (
	SeverityDebug = Severity{plog.SeverityNumberDebug, "DEBUG"}
	SeverityInfo  = Severity{plog.SeverityNumberInfo, "INFO"}
	SeverityWarn  = Severity{plog.SeverityNumberWarn, "WARN"}
	SeverityError = Severity{plog.SeverityNumberError, "ERROR"}
	SeverityFatal = Severity{plog.SeverityNumberFatal, "FATAL"}
)

// Set writes the severity onto an event.
func (s Severity) Set(ev *unifiedevent.Event) {
	ev.Severity, ev.SeverityText = s.Number, s.Text
}

// Clip quotes a value taken from a payload for an error message, cut to
// limit bytes: a hostile or corrupt payload must not blow up the log line
// that reports it.
func Clip(s string, limit int) string {
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}
