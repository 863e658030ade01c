package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// countRule opens an incident per pod on its threshold-th process exit.
// It is the smallest rule the engine can run, so these tests exercise the
// engine's own bounds and clock, not a real rule's judgement.
type countRule struct {
	threshold int
	name      string
}

type countData struct{ Exits int }

func (countRule) Name() string { return "count" }
func (countRule) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameProcessExit}
}
func (countRule) Window() time.Duration { return time.Minute }
func (countRule) NewData() any          { return new(countData) }
func (countRule) Match(in Input, out []Signal) []Signal {
	return append(out, Signal{Key: Key{Namespace: "ns", Name: in.Event.K8s.PodName}, Role: "exit", Opens: true})
}
func (countRule) Observe(inc *Incident, _ Input, _ Signal) {
	d, _ := inc.Data.(*countData)
	if d == nil {
		d = new(countData)
		inc.Data = d
	}
	d.Exits++
}
func (r countRule) Assess(inc *Incident) Verdict {
	d, _ := inc.Data.(*countData)
	if d == nil || d.Exits < r.threshold {
		return Verdict{}
	}
	return Verdict{Open: true, RootCause: "exits", Confidence: 0.5, Summary: "pod " + inc.Key.Name + " exits " + strconv.Itoa(d.Exits)}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func exit(id, pod string, at time.Duration) Input {
	return Input{Event: &unifiedevent.Event{
		ID: id, Name: unifiedevent.NameProcessExit, Time: t0.Add(at),
		K8s: &unifiedevent.K8s{Namespace: "ns", PodName: pod},
	}}
}

func newTestEngine(t *testing.T, opts Options) *Engine {
	t.Helper()
	e, err := New(opts, []Rule{countRule{threshold: 2}})
	require.NoError(t, err)
	return e
}

var testOpts = Options{MaxIncidents: 10, MaxEventsPerIncident: 4, TTL: 5 * time.Minute, Lateness: 30 * time.Second}

func states(trs []Transition) []string {
	var out []string
	for _, tr := range trs {
		out = append(out, tr.Incident.Key.Name+" "+tr.State)
	}
	return out
}

func TestNewRefusesBadOptions(t *testing.T) {
	_, err := New(testOpts, nil)
	require.ErrorIs(t, err, ErrNoRules)
	_, err = New(Options{}, []Rule{countRule{}})
	require.Error(t, err)
}

func TestLatenessBoundary(t *testing.T) {
	e := newTestEngine(t, testOpts)
	e.Process(exit("a", "p", time.Minute))
	_, ok := e.Process(exit("b", "p", 30*time.Second)) // exactly at the lateness: joins
	require.True(t, ok)
	_, ok = e.Process(exit("c", "p", 30*time.Second-time.Nanosecond))
	require.False(t, ok)
	_, c := e.Drain()
	require.Equal(t, 1, c.Late)
}

func TestCandidateExpiresUnopened(t *testing.T) {
	e := newTestEngine(t, testOpts)
	e.Process(exit("a", "p", 0))
	require.Equal(t, 1, e.Open())
	e.Advance(t0.Add(time.Minute + 30*time.Second + time.Nanosecond))
	trs, c := e.Drain()
	require.Empty(t, trs, "a candidate never reported opened reports nothing")
	require.Equal(t, 1, c.CandidatesExpired)
	require.Zero(t, e.Open())
}

func TestNewEpisodeAfterWindow(t *testing.T) {
	e := newTestEngine(t, testOpts)
	e.Process(exit("a", "p", 0))
	e.Process(exit("b", "p", 10*time.Second))
	// Past the window but inside the TTL: the old incident closes and a
	// new one starts, with a new id.
	e.Process(exit("c", "p", 2*time.Minute))
	e.Process(exit("d", "p", 2*time.Minute+time.Second))
	trs, _ := e.Drain()
	require.Equal(t, []string{"p opened", "p closed", "p opened"}, states(trs))
	require.NotEqual(t, trs[0].Incident.ID, trs[2].Incident.ID)
}

func TestUpdateIntervalFoldsUpdates(t *testing.T) {
	opts := testOpts
	opts.UpdateInterval = time.Minute
	e := newTestEngine(t, opts)
	e.Process(exit("a", "p", 0))
	e.Process(exit("b", "p", time.Second))
	trs, _ := e.Drain()
	require.Equal(t, []string{"p opened"}, states(trs))
	e.Process(exit("c", "p", 20*time.Second))
	trs, _ = e.Drain()
	require.Empty(t, trs, "too soon for an update")
	e.Process(exit("d", "p", 50*time.Second))
	e.Process(exit("x", "q", 61*time.Second)) // moves the clock only
	trs, _ = e.Drain()
	require.Equal(t, []string{"p updated"}, states(trs))
	require.Equal(t, 4, trs[0].Incident.Count)
}

func TestSnapshotRoundTrip(t *testing.T) {
	e := newTestEngine(t, testOpts)
	for i := range 6 {
		e.Process(exit("e"+strconv.Itoa(i), "p"+strconv.Itoa(i%3), time.Duration(i)*time.Second))
	}
	want, _ := e.Drain()
	b, err := e.Snapshot()
	require.NoError(t, err)

	r := newTestEngine(t, testOpts)
	dropped, err := r.Restore(b)
	require.NoError(t, err)
	require.Zero(t, dropped)
	require.Equal(t, e.Open(), r.Open())
	_, err = r.Restore(b)
	require.ErrorIs(t, err, ErrSnapshot, "only into an unused engine")

	// Both continue the same way.
	e.Process(exit("z", "p0", 10*time.Second))
	r.Process(exit("z", "p0", 10*time.Second))
	e.Advance(t0.Add(time.Hour))
	r.Advance(t0.Add(time.Hour))
	a, _ := e.Drain()
	c, _ := r.Drain()
	require.Equal(t, len(a), len(c))
	for i := range a {
		require.Equal(t, a[i].State, c[i].State)
		require.Equal(t, a[i].Incident.ID, c[i].Incident.ID)
		require.Equal(t, a[i].Incident.Count, c[i].Incident.Count)
		require.Equal(t, a[i].Incident.Verdict(), c[i].Incident.Verdict())
		require.Equal(t, a[i].Incident.Members, c[i].Incident.Members)
	}
	require.Len(t, want, 3)
}

func TestRestoreRefusesOtherVersions(t *testing.T) {
	r := newTestEngine(t, testOpts)
	_, err := r.Restore([]byte(`{"version":2}`))
	require.ErrorIs(t, err, ErrSnapshot)
	_, err = r.Restore([]byte(`not json`))
	require.ErrorIs(t, err, ErrSnapshot)
}

// TestShortLivedGroupsExpireBehindLongLivedOnes: a candidate that went
// quiet must end at its rule's window even when an older, still-live open
// incident was touched before it and the input never goes idle.
func TestShortLivedGroupsExpireBehindLongLivedOnes(t *testing.T) {
	e, err := New(testOpts, []Rule{countRule{threshold: 1, name: "opens"}, countRule{threshold: 100, name: "watches"}})
	require.NoError(t, err)
	e.Process(exit("a", "a", 0)) // opens an incident under "opens", a candidate under "watches"
	e.Process(exit("b", "b", time.Second))
	for i := range 10 {
		e.Process(exit("c"+strconv.Itoa(i), "c", time.Duration(i+1)*15*time.Second))
	}
	_, c := e.Drain()
	// Watermark 2m30s: candidates of a and b (window 1m + lateness 30s)
	// are over; the open incidents of a and b (TTL 5m) are not.
	require.Equal(t, 2, c.CandidatesExpired)
	require.Equal(t, 4, e.Open(), "a and b open, c open and its candidate")
}
