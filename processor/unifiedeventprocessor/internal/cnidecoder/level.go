package cnidecoder

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// severityOf maps the level words plugins write. Multus' "verbose" is its
// everyday level (between error and debug), so it reads as INFO.
func severityOf(level string) (plog.SeverityNumber, bool) {
	switch strings.ToLower(level) {
	case "trace":
		return plog.SeverityNumberTrace, true
	case "debug", "dbg", "d":
		return plog.SeverityNumberDebug, true
	case "info", "information", "notice", "verbose", "i":
		return plog.SeverityNumberInfo, true
	case "warn", "warning", "w":
		return plog.SeverityNumberWarn, true
	case "error", "err", "eror", "e":
		return plog.SeverityNumberError, true
	case "fatal", "panic", "dpanic", "critical", "crit", "emerg", "alert", "f":
		return plog.SeverityNumberFatal, true
	}
	return plog.SeverityNumberUnspecified, false
}

var severityText = map[plog.SeverityNumber]string{
	plog.SeverityNumberTrace: "TRACE",
	plog.SeverityNumberDebug: "DEBUG",
	plog.SeverityNumberInfo:  "INFO",
	plog.SeverityNumberWarn:  "WARN",
	plog.SeverityNumberError: "ERROR",
	plog.SeverityNumberFatal: "FATAL",
}

// Layouts of the timestamps plugins write. Those without a zone are read
// as UTC: plugins run as host binaries, and nodes keep UTC almost always;
// the receiver's observed time is there when a node does not.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// parseTime reads a timestamp in any of the layouts, or seconds since 1970
// as zap writes by default; zero when it is none of them.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:/") {
		secs, err := strconv.ParseFloat(s, 64)
		// Only plausible epochs: 2001 to 2286.
		if err != nil || secs < 1e9 || secs >= 1e10 {
			return time.Time{}
		}
		whole := int64(secs)
		return time.Unix(whole, int64((secs-float64(whole))*1e9)).UTC()
	}
	// The layout the shape names first: a failed time.Parse allocates its
	// error, and trying them in order failed twice on Calico's lines.
	first := likelyLayout(s)
	if t, err := time.Parse(layouts[first], s); err == nil {
		return t.UTC()
	}
	for i, l := range layouts {
		if i == first {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// likelyLayout picks the index in layouts by the date's separator and
// whether a zone follows the clock.
func likelyLayout(s string) int {
	if len(s) <= 11 {
		return 0
	}
	t, zoned := s[10] == 'T', strings.ContainsAny(s[11:], "Z+-")
	switch {
	case t && zoned:
		return 0
	case zoned:
		return 1
	case !t:
		return 2
	}
	return 3
}

// klogTime reads klog's "MMDD" and "15:04:05.000000", which have no year:
// it is the observed time's, or the one before when that would put the
// entry more than a day in the future (an entry from 31 December read on
// 1 January).
func klogTime(mmdd, clock string, observed time.Time) time.Time {
	if observed.IsZero() {
		return time.Time{}
	}
	year := observed.UTC().Year()
	t, err := time.Parse("2006 0102 15:04:05.999999999", strconv.Itoa(year)+" "+mmdd+" "+clock)
	if err != nil {
		return time.Time{}
	}
	if t.After(observed.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t.UTC()
}
