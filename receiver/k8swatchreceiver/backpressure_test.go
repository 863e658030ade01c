package k8swatchreceiver

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/testkit"
)

// While the next consumer pushes back (memory_limiter short of memory),
// the stream keeps what it read and reads nothing more, so nothing is
// dropped: once the consumer takes data again, the pod created meanwhile
// arrives, raw as the API sent it, although the consumer rewrote each
// batch it refused.
func TestBackpressureKeepsWatchEvents(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	// A Node object without kwok: nothing has to run here.
	_, err := c.Client().CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: testNode}}, metav1.CreateOptions{})
	require.NoError(t, err)
	refusing := &testkit.RefusingSink{Err: errors.New("data refused due to high memory usage"), Accept: make(chan struct{})}
	tr := startReceiverInto(t, c, k8stest.AdminUser, func(cfg *Config) { cfg.ClusterScoped = ClusterScopedOff }, refusing, &refusing.LogsSink)

	_, err = c.Client().CoreV1().Pods("default").Create(ctx, pod("held", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return refusing.Refused.Load() >= 3 }, patience, 10*time.Millisecond,
		"the receiver hands a refused batch on again")
	close(refusing.Accept)

	// Each stream's batch arrives at its next try.
	require.Eventually(t, func() bool {
		recs := tr.records(t)
		return len(about(recs, "Pod", "held")) > 0 && len(about(recs, "Node", testNode)) > 0
	}, patience, 50*time.Millisecond, "the pod created and the Node found while the consumer refused\n%s", c.LogTails())
	assert.Zero(t, tr.sum(t, "tapio_k8s_watch.events.refused"), "nothing refused was dropped")
	requireNoRepeats(t, tr.records(t))
	t.Logf("%d refusals before the consumer took the batches", refusing.Refused.Load())
}

// A batch refused for good is dropped: counted, and reported by a
// consumer_rejected loss record in the stream's next batch.
func TestPermanentRefusalIsCountedAndReported(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	refusing := &testkit.RefusingSink{Err: consumererror.NewPermanent(errors.New("malformed")), Limit: 1, Accept: make(chan struct{})}
	tr := startReceiverInto(t, c, k8stest.AdminUser, func(cfg *Config) {
		cfg.ClusterScoped = ClusterScopedOff
		cfg.Node = false // one stream, so the next batch is the one that reports
	}, refusing, &refusing.LogsSink)

	_, err := c.Client().CoreV1().Pods("default").Create(ctx, pod("first", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return refusing.Refused.Load() == 1 }, patience, 10*time.Millisecond)
	refused := tr.sum(t, "tapio_k8s_watch.events.refused")
	require.Positive(t, refused, "the refused batch is counted")

	_, err = c.Client().CoreV1().Pods("default").Create(ctx, pod("second", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	var lost rawrecord.Loss
	require.Eventually(t, func() bool {
		for _, lr := range testkit.LogRecords(refusing.AllLogs()...) {
			if kind, _ := lr.Attributes().Get(rawrecord.AttrKind); kind.Str() != rawrecord.KindLoss {
				continue
			}
			l, err := rawrecord.ParseLoss(lr.Body().Bytes().AsRaw())
			require.NoError(t, err)
			if l.Reason == rawrecord.LossConsumerRejected {
				lost = l
				return true
			}
		}
		return false
	}, patience, 50*time.Millisecond, "a consumer_rejected loss record")
	assert.Equal(t, KindWatch, lost.Kind)
	assert.EqualValues(t, refused, lost.Count, "the loss record counts what the counter counted")
	assert.NotEmpty(t, about(tr.records(t), "Pod", "second"), "the next batch itself arrives")
}
