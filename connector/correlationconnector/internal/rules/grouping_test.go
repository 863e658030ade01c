package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/goleak"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGroupingPrefilterAgreesWithMatch: the connector skips decoding a
// record when every rule's Wants says no, so Wants must never refuse a
// record that Match would take, and should refuse the routine ones (not
// severe, or severe without a trace for the trace rule), which are most
// records.
func TestGroupingPrefilterAgreesWithMatch(t *testing.T) {
	p := Params{Window: time.Minute, Threshold: 2}
	traceID := pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	for _, r := range []engine.Rule{NewTrace(p), NewWorkload(p)} {
		pf, ok := r.(engine.Prefilter)
		require.True(t, ok, "%s reads every event name, so it must prefilter", r.Name())
		for _, sev := range []plog.SeverityNumber{plog.SeverityNumberUnspecified, plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberError, plog.SeverityNumberFatal4} {
			for _, traced := range []bool{false, true} {
				in := engine.Input{Event: &unifiedevent.Event{
					ID: "e", Name: unifiedevent.NameTCPConnect, Severity: sev, Time: time.Unix(1, 0),
					K8s: &unifiedevent.K8s{Namespace: "ns", PodName: "p", WorkloadKind: "Deployment", WorkloadName: "w"},
				}}
				if traced {
					in.TraceID = traceID
				}
				matched := len(r.Match(in, nil)) > 0
				wants := pf.Wants(sev, traced)
				require.Equal(t, matched, wants, "%s: severity %v traced %v", r.Name(), sev, traced)
			}
		}
	}
	require.False(t, NewTrace(p).(engine.Prefilter).Wants(plog.SeverityNumberInfo, true))
	require.False(t, NewTrace(p).(engine.Prefilter).Wants(plog.SeverityNumberError, false))
	require.True(t, NewTrace(p).(engine.Prefilter).Wants(plog.SeverityNumberError, true))
	require.True(t, NewWorkload(p).(engine.Prefilter).Wants(plog.SeverityNumberWarn, false))
}

// TestCappedSetMatchesPlainList: the hashed set adds exactly what the
// plain capped list adds, also when it starts from names restored
// without their sums.
func TestCappedSetMatchesPlainList(t *testing.T) {
	var set cappedSet
	var hashed, plain []string
	for _, v := range []string{"a", "b", "a", "c", "b", "d", "e", "f", "g", "h", "i", "a", "j"} {
		hashed = set.add(hashed, v)
		plain = addCapped(plain, v)
	}
	require.Equal(t, plain, hashed)
	require.Len(t, hashed, maxCapped)

	restored := cappedSet{}
	names := []string{"x", "y"}
	names = restored.add(names, "x")
	names = restored.add(names, "z")
	require.Equal(t, []string{"x", "y", "z"}, names)
}

// TestCappedSetIgnoresOverlongRestoredList: a restored list longer than
// the cap (a hand-edited snapshot) is left as it is, never overruns the
// set's sums.
func TestCappedSetIgnoresOverlongRestoredList(t *testing.T) {
	var set cappedSet
	names := make([]string, maxCapped+3)
	for i := range names {
		names[i] = strings.Repeat("p", i+1)
	}
	require.Equal(t, names, set.add(names, "new"))
}
