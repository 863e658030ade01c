package k8swatchreceiver

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/yairfalse/tapio/internal/rawrecord"
)

// KindWatch is the tapio.raw.kind of every record: one watch event, its
// body {"type": ..., "object": ...} as the watch API sends it.
const KindWatch = "k8s.watch"

// AttrOrigin marks records inferred from a list rather than seen on a
// watch: initial_list (the state found at start) or relist (a change found
// after a watch could not resume). Absent on live watch events.
const AttrOrigin = "tapio.k8s.watch.origin"

// streamSpec is one resource to watch.
type streamSpec struct {
	// resource names the stream in metrics and logs (pods, events,
	// deployments.apps).
	resource string
	gvk      schema.GroupVersionKind
	// expected is an empty object of the type the list and watch return.
	expected runtime.Object
	list     func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watch    func(context.Context, metav1.ListOptions) (watch.Interface, error)
	// keepInitial filters the first list (see tracker).
	keepInitial func(runtime.Object) bool
}

// stream runs one reflector and turns what its tracker decides into
// records.
type stream struct {
	r        *k8sReceiver
	spec     streamSpec
	ctx      context.Context
	resAttrs metric.MeasurementOption
	typAttrs map[watch.EventType]metric.MeasurementOption
	errors   errorReporter
	// rejected tallies records refused for good, until a loss record in
	// a later batch reports them. Only the reflector's goroutine uses it.
	rejected rawrecord.Rejections
}

func (r *k8sReceiver) runStream(ctx context.Context, spec streamSpec) {
	s := &stream{
		r:        r,
		spec:     spec,
		ctx:      ctx,
		resAttrs: metric.WithAttributeSet(attribute.NewSet(attribute.String("resource", spec.resource))),
		typAttrs: map[watch.EventType]metric.MeasurementOption{},
	}
	for _, typ := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		s.typAttrs[typ] = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("resource", spec.resource), attribute.String("type", string(typ))))
	}
	s.errors = errorReporter{r: r, resource: spec.resource, attrs: s.resAttrs, what: "watch", needs: "the receiver needs list and watch"}
	t := newTracker(spec.gvk, s, spec.keepInitial)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			obj, err := spec.list(ctx, o)
			s.errors.observe(ctx, "list", err)
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			w, err := spec.watch(ctx, o)
			s.errors.observe(ctx, "watch", err)
			return w, err
		},
	}
	// The reflector's own logging goes nowhere: errors reach the
	// collector's log through errorReporter, with the context a person
	// needs, instead of as klog lines on stderr.
	discard := logr.Discard()
	refl := cache.NewReflectorWithOptions(lw, spec.expected, t, cache.ReflectorOptions{
		Name:            "tapio_k8s_watch/" + spec.resource,
		TypeDescription: spec.gvk.String(),
		Logger:          &discard,
		// client-go's defaults (0.8 s doubling to 30 s, with jitter)
		// spread a fleet's reconnects after an API server restart.
		Backoff: &wait.Backoff{Duration: 800 * time.Millisecond, Cap: 30 * time.Second, Steps: 40, Factor: 2, Jitter: 1},
	})
	refl.RunWithContext(klog.NewContext(ctx, discard))
	r.status.stopped(spec.resource)
}

// retry paces the hand-off of a batch the next consumer refused. While it
// waits the stream reads nothing more: the watch's own buffer holds what
// comes, and an API server that gives up on the slow watch ends it, which
// the reflector answers with a re-list, reported as such.
var retry = rawrecord.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second}

// deliver turns changes into one batch of raw records and hands it on,
// retrying while the next consumer pushes back; each try is built again
// from the records as encoded, since a stage may have decoded the refused
// batch in place. A batch refused for good, or still refused when the
// receiver stops, is dropped: counted, and reported by a loss record in
// the stream's next batch.
func (s *stream) deliver(changes []change, relist bool) {
	var p rawrecord.Pending
	origins := make([]string, 0, len(changes))
	for _, c := range changes {
		payload, err := s.encode(c)
		if err != nil {
			s.r.set.Logger.Error("cannot encode watch event; it is dropped", zap.String("resource", s.spec.resource), zap.Error(err))
			continue
		}
		p.Append(KindWatch, payload, eventTime(c))
		origins = append(origins, c.origin)
		s.r.telemetry.TapioK8sWatchEventsReceived.Add(s.ctx, 1, s.typAttrs[c.typ])
	}
	if relist {
		s.r.telemetry.TapioK8sWatchRelists.Add(s.ctx, 1, s.resAttrs)
	}
	if collapsed := len(changes); relist && collapsed > 0 {
		// The changes are delivered, but the states in between were
		// never seen: that is the gap a consumer should know about.
		now := time.Now()
		if err := p.AppendLoss(rawrecord.Loss{Kind: KindWatch, Reason: "relist", Count: uint64(collapsed), Since: s.errors.since(now), Until: now}); err != nil {
			s.r.set.Logger.Error("cannot report a re-list", zap.Error(err))
		}
		s.r.set.Logger.Info("watch could not resume; re-listed and delivered the changes found",
			zap.String("resource", s.spec.resource), zap.Int("changes", collapsed))
	}
	if p.Len() == 0 {
		return
	}
	// The watch events; a re-list's loss record is not one of them.
	n := len(origins)
	if l, ok := s.rejected.Loss(KindWatch); ok {
		if err := p.AppendLoss(l); err != nil {
			s.r.set.Logger.Error("cannot report refused records", zap.Error(err))
		}
	}
	build := func() plog.Logs {
		return s.r.emitter.BuildWith(&p, func(i int, lr plog.LogRecord) {
			if i < len(origins) && origins[i] != originWatch {
				lr.Attributes().PutStr(AttrOrigin, origins[i])
			}
		})
	}
	err := retry.Deliver(s.ctx, s.r.next, build, func(err error, wait time.Duration) {
		s.r.set.Logger.Warn("next consumer refused watch events; not reading until it takes them",
			zap.String("resource", s.spec.resource), zap.Int("records", n), zap.Duration("retry_in", wait), zap.Error(err))
	})
	if err == nil {
		s.rejected.Reported()
		return
	}
	s.r.telemetry.TapioK8sWatchEventsRefused.Add(context.Background(), int64(n), s.resAttrs)
	s.rejected.Add(n)
	s.r.set.Logger.Error("next consumer refused watch events; they are lost",
		zap.String("resource", s.spec.resource), zap.Int("records", n), zap.Error(err))
}

func (s *stream) duplicates(n int) {
	s.r.telemetry.TapioK8sWatchEventsDuplicate.Add(s.ctx, int64(n), s.resAttrs)
}

func (s *stream) tracked(n int) {
	s.r.telemetry.TapioK8sWatchObjectsCached.Record(s.ctx, int64(n), s.resAttrs)
}

// watchEvent is the body: the shape of a watch event on the wire.
type watchEvent struct {
	Type   watch.EventType `json:"type"`
	Object runtime.Object  `json:"object"`
}

// encode writes the event as the API would. Typed clients drop apiVersion
// and kind from decoded objects, so they are put back; managedFields are
// dropped, as informers commonly do: they are server-side-apply
// bookkeeping, often the largest part of an object, and explain nothing.
func (s *stream) encode(c change) ([]byte, error) {
	if m, err := meta.Accessor(c.obj); err == nil {
		m.SetManagedFields(nil)
	}
	if _, partial := c.obj.(*metav1.PartialObjectMetadata); partial || c.obj.GetObjectKind().GroupVersionKind().Empty() {
		c.obj.GetObjectKind().SetGroupVersionKind(s.spec.gvk)
	}
	return json.Marshal(watchEvent{Type: c.typ, Object: c.obj})
}

// eventTime is when the change happened, where the object says: an
// Event's last occurrence, an object's creation for ADDED and its deletion
// for DELETED. A modification carries no time of its own, so it is left
// unknown rather than invented; the observed time still says when it was
// seen.
func eventTime(c change) time.Time {
	if ev, ok := c.obj.(*corev1.Event); ok {
		return eventObjectTime(ev)
	}
	m, err := meta.Accessor(c.obj)
	if err != nil {
		return time.Time{}
	}
	switch c.typ {
	case watch.Added:
		return m.GetCreationTimestamp().Time
	case watch.Deleted:
		if d := m.GetDeletionTimestamp(); d != nil {
			return d.Time
		}
	}
	return time.Time{}
}

func eventObjectTime(ev *corev1.Event) time.Time {
	switch {
	case !ev.EventTime.IsZero():
		if ev.Series != nil && !ev.Series.LastObservedTime.IsZero() {
			return ev.Series.LastObservedTime.Time
		}
		return ev.EventTime.Time
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case !ev.FirstTimestamp.IsZero():
		return ev.FirstTimestamp.Time
	}
	return ev.CreationTimestamp.Time
}
