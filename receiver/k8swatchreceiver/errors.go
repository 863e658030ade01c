package k8swatchreceiver

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Reasons on the watch.errors metric.
const (
	reasonForbidden   = "forbidden"
	reasonExpired     = "expired"
	reasonThrottled   = "throttled"
	reasonUnavailable = "unavailable"
	reasonOther       = "other"
)

// ErrForbidden is wrapped by the error a forbidden list or watch reports
// to the collector, which names the verb, resource and API group to grant.
var ErrForbidden = errors.New("missing RBAC permission")

// errorReporter turns a stream's failed requests into one clear log line
// per failure streak, a metric per failure, and the component's status.
// The reflector retries on its own with backoff; this only tells people.
// Only the stream's reflector goroutine calls it.
type errorReporter struct {
	r        *k8sReceiver
	resource string
	attrs    metric.MeasurementOption
	// what names the requests in log lines ("watch", or "lease" for the
	// leader election's Lease) and needs the verbs they require, so a
	// forbidden one says what to grant.
	what  string
	needs string

	failing      string // reason of the current streak, "" when healthy
	failingSince time.Time
	gapStart     time.Time
}

func (e *errorReporter) observe(ctx context.Context, verb string, err error) {
	if err == nil {
		if e.failing != "" {
			e.r.set.Logger.Info(e.what+" recovered", zap.String("resource", e.resource), zap.String("after", e.failing),
				zap.Duration("down_for", time.Since(e.failingSince).Round(time.Millisecond)))
			e.gapStart = e.failingSince
			e.failing = ""
			e.r.status.recovered(e.resource)
		}
		return
	}
	if ctx.Err() != nil {
		return // shutting down or leadership lost: not a failure
	}
	reason := classify(err)
	e.r.telemetry.TapioK8sWatchWatchErrors.Add(ctx, 1, e.attrs,
		metric.WithAttributes(attribute.String("reason", reason)))
	first := e.failing != reason
	if e.failing == "" {
		e.failingSince = time.Now()
	}
	e.failing = reason
	log := e.r.set.Logger.Debug
	if first {
		log = e.r.set.Logger.Warn
	}
	if reason == reasonForbidden {
		ferr := forbidden(verb, e.needs, err)
		if first {
			e.r.set.Logger.Error(e.what+" forbidden: "+ferr.Error(), zap.String("resource", e.resource))
			e.r.status.failed(e.resource, ferr)
		}
		return
	}
	log(e.what+" request failed; retrying with backoff", zap.String("resource", e.resource),
		zap.String("verb", verb), zap.String("reason", reason), zap.Error(err))
}

// since is when the last outage began, the start of the window in which
// a re-list's collapsed changes happened.
func (e *errorReporter) since(now time.Time) time.Time {
	if !e.gapStart.IsZero() {
		return e.gapStart
	}
	return now
}

func classify(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return reasonForbidden
	case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
		return reasonExpired
	case apierrors.IsTooManyRequests(err):
		return reasonThrottled
	case utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return reasonUnavailable
	}
	return reasonOther
}

// refusedVerb reads the verb from the API server's message ("User "x"
// cannot watch resource "pods" in API group "" at the cluster scope"): with
// streaming lists the reflector lists through a watch, so the verb the
// server refused is not always the call that was made.
var refusedVerb = regexp.MustCompile(`cannot (\w+) resource`)

// forbidden names what to grant: the verb, the resource and its API group
// from the 403's status details, and the scope.
func forbidden(verb, needs string, err error) error {
	resource, group, msg := "", "", err.Error()
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		s := st.Status()
		msg = s.Message
		if d := s.Details; d != nil {
			resource, group = d.Kind, d.Group
		}
	}
	if m := refusedVerb.FindStringSubmatch(msg); m != nil {
		verb = m[1]
	}
	return fmt.Errorf("%w: grant verb %q on resource %q in API group %q (%s): %s",
		ErrForbidden, verb, resource, group, needs, msg)
}
