package k8swatchreceiver

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// resourceLeases names the Lease in logs and on the watch.errors metric.
const resourceLeases = "leases.coordination.k8s.io"

// reportingLock is the Lease lock with its failed requests reported like a
// stream's. client-go's elector only logs them through klog, outside the
// collector's log, and retries for ever: a forbidden Lease (a Role bound in
// another namespace than the one the Lease is in) would leave the receiver
// a silent follower, its cluster-scoped streams never started.
type reportingLock struct {
	resourcelock.Interface

	// mu keeps errors single-threaded whatever goroutine client-go calls
	// the lock from (today one per campaign, one campaign at a time).
	mu     sync.Mutex
	errors *errorReporter
}

func (l *reportingLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := l.Interface.Get(ctx)
	l.observe(ctx, "get", err)
	return rec, raw, err
}

func (l *reportingLock) Create(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Create(ctx, ler)
	l.observe(ctx, "create", err)
	return err
}

func (l *reportingLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Update(ctx, ler)
	l.observe(ctx, "update", err)
	return err
}

// observe reports err, except the answers an election expects: no Lease
// yet (it is then created), and losing a race to another candidate.
func (l *reportingLock) observe(ctx context.Context, verb string, err error) {
	if apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) {
		err = nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors.observe(ctx, verb, err)
}
