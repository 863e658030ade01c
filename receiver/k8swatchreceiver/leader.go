package k8swatchreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// lead campaigns for the Lease and runs the cluster-scoped streams while
// holding it, campaigning again whenever leadership is lost, until ctx
// ends. The streams stop before the next campaign, so two receivers never
// run them at once from this side.
func (r *k8sReceiver) lead(ctx context.Context) {
	le := r.cfg.LeaderElection
	ns, from := le.LeaseNamespace, "lease_namespace"
	if ns == "" {
		ns, from = os.Getenv("POD_NAMESPACE"), "POD_NAMESPACE"
	}
	if ns == "" {
		// Out of a pod, or without the downward API: a Role granting the
		// Lease in the agent's namespace does not apply here, which the
		// lease errors below then say.
		ns, from = metav1.NamespaceDefault, "default"
	}
	// The node name says which agent leads; the suffix keeps two receivers
	// on one node (or a restarted one whose old Lease is still held)
	// distinct.
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	id := r.identity.NodeName + "_" + hex.EncodeToString(suffix)
	lock := &reportingLock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: ns, Name: le.LeaseName},
			Client:     r.clients.typed.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: id},
		},
		errors: &errorReporter{
			r: r, resource: resourceLeases, what: "lease",
			attrs: metric.WithAttributeSet(attribute.NewSet(attribute.String("resource", resourceLeases))),
			needs: fmt.Sprintf("leader election needs get, create and update on Lease %s in namespace %s", le.LeaseName, ns),
		},
	}
	log := r.set.Logger.With(zap.String("lease", ns+"/"+le.LeaseName), zap.String("identity", id))
	log.Info("campaigning for the Lease to run the cluster-scoped streams", zap.String("namespace_from", from))
	// client-go's elector logs through klog, outside the collector's log;
	// its failures reach the log through reportingLock instead.
	discard := logr.Discard()
	electCtx := klog.NewContext(ctx, discard)
	delay := time.Second
	for ctx.Err() == nil {
		leading := make(chan context.Context, 1)
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   le.LeaseDuration,
			RenewDeadline:   le.RenewDeadline,
			RetryPeriod:     le.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            "tapio_k8s_watch",
			Callbacks: leaderelection.LeaderCallbacks{
				// The elector runs this in its own goroutine; handing the
				// context over lets lead wait for the streams itself.
				OnStartedLeading: func(lctx context.Context) { leading <- lctx },
				OnStoppedLeading: func() {},
			},
		})
		if err != nil {
			// Only a bad timing configuration fails here, which Validate
			// already refuses; back off rather than spin.
			log.Error("cannot start leader election", zap.Error(err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, time.Minute)
			continue
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			elector.Run(electCtx)
		}()
		select {
		case lctx := <-leading:
			log.Info("leading: running the cluster-scoped streams")
			r.telemetry.TapioK8sWatchLeader.Record(ctx, 1)
			r.runClusterStreams(lctx)
			r.telemetry.TapioK8sWatchLeader.Record(context.Background(), 0)
			<-done
			if ctx.Err() == nil {
				log.Warn("lost the Lease; stopped the cluster-scoped streams and campaigning again")
			}
		case <-done:
		}
	}
}
