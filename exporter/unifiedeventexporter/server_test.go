package unifiedeventexporter

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// What the test server does with one request.
type action int

const (
	accept action = iota
	// fail answers 503 after reading the body, as an overloaded backend.
	fail
	// stall never answers, as a hung backend: the client's timeout ends it.
	stall
	// acceptThenStall stores the batch and then hangs, so the client times
	// out on a batch that was in fact delivered.
	acceptThenStall
	// reject answers 400: the server refuses the batch itself.
	reject
	// throttle answers 429 with Retry-After, as a rate-limited backend.
	throttle
)

// eventServer is a real HTTP server that stores the events it accepts and
// misbehaves on the requests its plan says.
type eventServer struct {
	t       testing.TB
	srv     *httptest.Server
	plan    atomic.Pointer[func(n int64) action]
	release chan struct{}

	requests atomic.Int64
	failed   atomic.Int64
	stalled  atomic.Int64

	mu      sync.Mutex
	counts  map[string]int
	headers []http.Header
}

func newEventServer(t testing.TB, plan func(n int64) action) *eventServer {
	s := &eventServer{t: t, counts: map[string]int{}, release: make(chan struct{})}
	s.setPlan(plan)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.release)
		s.srv.Close()
	})
	return s
}

func (s *eventServer) setPlan(plan func(n int64) action) { s.plan.Store(&plan) }

func (s *eventServer) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	body, err := readBody(r)
	if !assert.NoError(s.t, err) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch (*s.plan.Load())(n) {
	case fail:
		s.failed.Add(1)
		http.Error(w, "backend overloaded", http.StatusServiceUnavailable)
	case throttle:
		s.failed.Add(1)
		w.Header().Set("Retry-After", "0")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case reject:
		http.Error(w, "bad batch", http.StatusBadRequest)
	case stall:
		s.stalled.Add(1)
		s.hang(r)
	case acceptThenStall:
		s.store(r, body)
		s.stalled.Add(1)
		s.hang(r)
	default:
		s.store(r, body)
		w.WriteHeader(http.StatusOK)
	}
}

func (s *eventServer) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		rd = zr
	}
	return io.ReadAll(rd)
}

// store parses the batch by its content type and counts each event id.
func (s *eventServer) store(r *http.Request, body []byte) {
	var events []map[string]any
	switch ct := r.Header.Get("Content-Type"); ct {
	case "application/json":
		assert.NoError(s.t, json.Unmarshal(body, &events))
	case "application/x-ndjson":
		events = parseLines(s.t, body)
		assert.True(s.t, bytes.HasSuffix(body, []byte("\n")))
	default:
		s.t.Errorf("unexpected content type %q", ct)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.headers = append(s.headers, r.Header.Clone())
	for _, e := range events {
		s.counts[e["id"].(string)]++
	}
}

func (s *eventServer) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		c[k] = v
	}
	return c
}

// seenAll reports whether every event from .. from+n-1 arrived at least once.
func (s *eventServer) seenAll(from, n int) bool {
	c := s.snapshot()
	for i := from; i < from+n; i++ {
		if c[testEvent(i).ID] == 0 {
			return false
		}
	}
	return true
}
