package loadgen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
)

// Sink is an OTLP logs server (OTLP/HTTP from ListenSink, OTLP/gRPC from
// ListenGRPCSink) that stamps each request's arrival: the collector's
// OTLP exporter sends to it, so the time from an event's own timestamp to
// its export is measured on one clock, without the file exporter's flush
// interval in the way.
type Sink struct {
	srv  *http.Server
	grpc *grpc.Server
	ln   net.Listener
	done chan struct{}

	mu       sync.Mutex
	records  uint64
	requests uint64
	// encoded and sent: see Bytes.
	encoded, sent uint64
	classes       map[string]uint64
	latencies     map[string][]time.Duration
	classify      func(plog.LogRecord) string
	// label and labelled: see Label.
	label    func(pcommon.Resource, plog.LogRecord, []string) []string
	labels   []string
	labelled map[classLabel]uint64
}

type classLabel struct{ class, label string }

// ListenSink starts a sink on a free loopback port. classify names the
// load a record belongs to ("" for the host's own events, which are
// counted but not timed); it is called one record at a time.
func ListenSink(classify func(plog.LogRecord) string) (*Sink, error) {
	s, err := newSink(classify)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", s.logs)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.ln)
	}()
	return s, nil
}

func newSink(classify func(plog.LogRecord) string) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen sink: %w", err)
	}
	return &Sink{ln: ln, done: make(chan struct{}), classify: classify,
		classes: map[string]uint64{}, latencies: map[string][]time.Duration{}, labelled: map[classLabel]uint64{}}, nil
}

// Endpoint is the exporter's endpoint for this sink: a URL for otlp_http,
// host:port for an OTLP/gRPC exporter.
func (s *Sink) Endpoint() string {
	if s.grpc != nil {
		return s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops the server.
func (s *Sink) Close() error {
	if s.grpc != nil {
		s.grpc.Stop()
		<-s.done
		return nil
	}
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Sink) logs(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	arrived := time.Now()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		http.Error(w, "not an OTLP logs request: "+err.Error(), http.StatusBadRequest)
		return
	}
	// The body as sent is what was encoded: the HTTP sink takes no
	// compression.
	s.addBytes(len(body), len(body))
	s.take(req.Logs(), arrived)
	out, _ := plogotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// take counts one export request's records and times the classified ones
// from their own timestamp to arrived.
func (s *Sink) take(ld plog.Logs, arrived time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				s.records++
				class := s.classify(lr)
				if class == "" {
					continue
				}
				s.classes[class]++
				if s.label != nil {
					s.labels = s.label(res, lr, s.labels[:0])
					for _, l := range s.labels {
						s.labelled[classLabel{class, l}]++
					}
				}
				if ts := lr.Timestamp(); ts != 0 {
					s.latencies[class] = append(s.latencies[class], arrived.Sub(ts.AsTime()))
				}
			}
		}
	}
}

// Label names properties of each classified record, with the Resource it
// arrived under (how it was enriched, say), for Labelled to count per
// class: label appends the record's labels to dst. Set it before records
// arrive.
func (s *Sink) Label(label func(res pcommon.Resource, lr plog.LogRecord, dst []string) []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.label = label
}

// Labelled is how many records of the given classes had label so far.
func (s *Sink) Labelled(label string, classes ...string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n uint64
	for _, c := range classes {
		n += s.labelled[classLabel{c, label}]
	}
	return n
}

// Requests is how many export requests arrived so far: each is one trip
// of a batch through the exporter, whose fixed cost per call is what
// small, frequent batches multiply.
func (s *Sink) Requests() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Bytes is the size of the requests that arrived so far: encoded as
// protobuf, and as sent, after the exporter's compression.
func (s *Sink) Bytes() (encoded, sent uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.encoded, s.sent
}

func (s *Sink) addBytes(encoded, sent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.encoded += uint64(encoded)
	s.sent += uint64(sent)
}

// Records is how many log records arrived so far.
func (s *Sink) Records() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records
}

// Class is how many records of a class arrived so far.
func (s *Sink) Class(class string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.classes[class]
}

// Latency is the q-quantiles (0.5, 0.99) of arrival minus the record's
// timestamp over the records of the given classes (all classes when none
// are given) that had a timestamp, and how many did.
func (s *Sink) Latency(qs []float64, classes ...string) ([]time.Duration, int) {
	s.mu.Lock()
	var l []time.Duration
	for class, ls := range s.latencies {
		if len(classes) == 0 || slices.Contains(classes, class) {
			l = append(l, ls...)
		}
	}
	s.mu.Unlock()
	slices.Sort(l)
	out := make([]time.Duration, len(qs))
	if len(l) == 0 {
		return out, 0
	}
	for i, q := range qs {
		out[i] = l[min(len(l)-1, int(q*float64(len(l))))]
	}
	return out, len(l)
}

// Summary lists each class's record count and latency quantiles.
func (s *Sink) Summary() string {
	s.mu.Lock()
	classes := make([]string, 0, len(s.classes))
	for c := range s.classes {
		classes = append(classes, c)
	}
	s.mu.Unlock()
	slices.Sort(classes)
	var b []byte
	for i, c := range classes {
		q, n := s.Latency([]float64{0.5, 0.99}, c)
		if i > 0 {
			b = append(b, "; "...)
		}
		b = fmt.Appendf(b, "%s %d (p50 %s, p99 %s over %d)", c, s.Class(c), q[0].Round(10*time.Microsecond), q[1].Round(10*time.Microsecond), n)
	}
	return string(b)
}

// Classes is how many records of the given classes arrived so far.
func (s *Sink) Classes(classes ...string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n uint64
	for _, c := range classes {
		n += s.classes[c]
	}
	return n
}
