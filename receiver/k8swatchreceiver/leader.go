package k8swatchreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"

	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// lead campaigns for the Lease and runs the cluster-scoped streams while
// holding it, campaigning again whenever leadership is lost, until ctx
// ends. The streams stop before the next campaign, so two receivers never
// run them at once from this side.
func (r *k8sReceiver) lead(ctx context.Context) {
	le := r.cfg.LeaderElection
	ns := le.LeaseNamespace
	if ns == "" {
		ns = os.Getenv("POD_NAMESPACE")
	}
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	// The node name says which agent leads; the suffix keeps two receivers
	// on one node (or a restarted one whose old Lease is still held)
	// distinct.
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	id := r.identity.NodeName + "_" + hex.EncodeToString(suffix)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: ns, Name: le.LeaseName},
		Client:     r.clients.typed.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: id},
	}
	log := r.set.Logger.With(zap.String("lease", ns+"/"+le.LeaseName), zap.String("identity", id))
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
			elector.Run(ctx)
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
