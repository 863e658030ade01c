package k8swatchreceiver

import (
	"errors"
	"sort"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// statusBoard is the component's status across its streams and its Lease:
// recoverable error while any of them fails, OK once all have recovered.
// Without it one stream recovering would report OK while another is still
// forbidden, hiding the permission that is still missing.
type statusBoard struct {
	mu      sync.Mutex
	host    component.Host
	failing map[string]error // by resource
	closed  bool             // shut down: the collector owns the status now
}

func (b *statusBoard) start(host component.Host) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.host, b.failing, b.closed = host, map[string]error{}, false
}

// failed reports err for resource, and with it what else still fails.
func (b *statusBoard) failed(resource string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failing == nil {
		return
	}
	b.failing[resource] = err
	b.report(componentstatus.NewRecoverableErrorEvent(b.joined()))
}

// recovered reports OK if resource was the last failing one.
func (b *statusBoard) recovered(resource string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.failing[resource]; !ok {
		return
	}
	delete(b.failing, resource)
	if len(b.failing) == 0 {
		b.report(componentstatus.NewEvent(componentstatus.StatusOK))
		return
	}
	b.report(componentstatus.NewRecoverableErrorEvent(b.joined()))
}

// stopped forgets resource when its stream ends (leadership lost): its
// failure no longer stands for this receiver.
func (b *statusBoard) stopped(resource string) { b.recovered(resource) }

// close stops reporting: after Shutdown the collector reports Stopping
// and Stopped, which an OK from a stream ending must not follow.
func (b *statusBoard) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
}

// joined is every failing resource's error, in a stable order.
func (b *statusBoard) joined() error {
	names := make([]string, 0, len(b.failing))
	for n := range b.failing {
		names = append(names, n)
	}
	sort.Strings(names)
	errs := make([]error, len(names))
	for i, n := range names {
		errs[i] = b.failing[n]
	}
	return errors.Join(errs...)
}

func (b *statusBoard) report(ev *componentstatus.Event) {
	if b.host != nil && !b.closed {
		componentstatus.ReportStatus(b.host, ev)
	}
}
