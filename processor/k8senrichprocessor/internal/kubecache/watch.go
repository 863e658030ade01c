package kubecache

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
)

// Watcher keeps a Cache filled from the API server: pods and Services in
// full (reduced on arrival), ReplicaSets and Jobs as metadata only, since
// only their owner references matter.
type Watcher struct {
	cache    *Cache
	typed    kubernetes.Interface
	metadata metadata.Interface
	now      func() time.Time
	// nodeOnly limits the pod watch to this node's pods.
	nodeOnly bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewWatcher returns a watcher that fills c once started. With nodeOnly
// it watches only the pods of the cache's node: less traffic on a large
// cluster, but peers then resolve only to local pods and Services.
func NewWatcher(c *Cache, typed kubernetes.Interface, md metadata.Interface, nodeOnly bool) *Watcher {
	return &Watcher{cache: c, typed: typed, metadata: md, now: time.Now, nodeOnly: nodeOnly}
}

// Start runs the reflectors until Stop. It does not wait for the first
// lists: an API server that is down is retried, and events meanwhile are
// held back or marked missed.
func (w *Watcher) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	scope := func(o *metav1.ListOptions) {
		if w.nodeOnly {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", w.cache.node).String()
		}
	}
	pods := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			scope(&o)
			return w.typed.CoreV1().Pods("").List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			scope(&o)
			return w.typed.CoreV1().Pods("").Watch(ctx, o)
		},
	}
	services := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return w.typed.CoreV1().Services("").List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return w.typed.CoreV1().Services("").Watch(ctx, o)
		},
	}
	w.run(ctx, "pods", pods, &corev1.Pod{}, &podSink{w: w})
	w.run(ctx, "services", services, &corev1.Service{}, &serviceSink{c: w.cache})
	rs := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	jobs := schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	w.run(ctx, "replicasets", w.metadataLW(rs), &metav1.PartialObjectMetadata{}, &ownerSink{c: w.cache, kind: KindReplicaSet})
	w.run(ctx, "jobs", w.metadataLW(jobs), &metav1.PartialObjectMetadata{}, &ownerSink{c: w.cache, kind: KindJob})
}

func (w *Watcher) metadataLW(gvr schema.GroupVersionResource) cache.ListerWatcher {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return w.metadata.Resource(gvr).List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return w.metadata.Resource(gvr).Watch(ctx, o)
		},
	}
}

func (w *Watcher) run(ctx context.Context, name string, lw cache.ListerWatcher, typ runtime.Object, sink cache.ReflectorStore) {
	r := cache.NewReflectorWithOptions(lw, typ, sink, cache.ReflectorOptions{Name: "tapio_k8s_enrich/" + name})
	w.wg.Go(func() { r.RunWithContext(ctx) })
}

// Stop ends the reflectors and waits for them. It is safe before Start
// and twice.
func (w *Watcher) Stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
}

// The sinks are the reflectors' stores: they reduce each object and write
// it into the cache, holding nothing themselves.

type podSink struct{ w *Watcher }

func (s *podSink) pod(obj any) (*Pod, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("pod watch delivered %T", obj)
	}
	c := s.w.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	return podFrom(p, c.node, &c.intern), nil
}

func (s *podSink) Add(obj any) error { return s.Update(obj) }
func (s *podSink) Resync() error     { return nil }
func (s *podSink) Update(obj any) error {
	p, err := s.pod(obj)
	if err != nil {
		return err
	}
	s.w.cache.UpsertPod(p, s.w.now())
	return nil
}

func (s *podSink) Delete(obj any) error {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return fmt.Errorf("pod watch delivered %T", obj)
	}
	s.w.cache.DeletePod(string(p.UID), s.w.now())
	return nil
}

func (s *podSink) Replace(list []any, _ string) error {
	pods := make([]*Pod, 0, len(list))
	for _, obj := range list {
		p, err := s.pod(obj)
		if err != nil {
			return err
		}
		pods = append(pods, p)
	}
	s.w.cache.ReplacePods(pods, s.w.now())
	return nil
}

type serviceSink struct{ c *Cache }

func (s *serviceSink) service(obj any) (*Service, error) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return nil, fmt.Errorf("service watch delivered %T", obj)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return serviceFrom(svc, &s.c.intern), nil
}

func (s *serviceSink) Add(obj any) error { return s.Update(obj) }
func (s *serviceSink) Resync() error     { return nil }
func (s *serviceSink) Update(obj any) error {
	svc, err := s.service(obj)
	if err != nil {
		return err
	}
	s.c.UpsertService(svc)
	return nil
}

func (s *serviceSink) Delete(obj any) error {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return fmt.Errorf("service watch delivered %T", obj)
	}
	s.c.DeleteService(svc.Namespace, svc.Name)
	return nil
}

func (s *serviceSink) Replace(list []any, _ string) error {
	out := make([]*Service, 0, len(list))
	for _, obj := range list {
		svc, err := s.service(obj)
		if err != nil {
			return err
		}
		out = append(out, svc)
	}
	s.c.ReplaceServices(out)
	return nil
}

type ownerSink struct {
	c    *Cache
	kind string
}

func (s *ownerSink) owner(obj any) (string, Owner, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return "", Owner{}, fmt.Errorf("%s watch delivered %T", s.kind, obj)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return string(m.UID), ownerFrom(&m.ObjectMeta, &s.c.intern), nil
}

func (s *ownerSink) Add(obj any) error { return s.Update(obj) }
func (s *ownerSink) Resync() error     { return nil }
func (s *ownerSink) Update(obj any) error {
	uid, o, err := s.owner(obj)
	if err != nil {
		return err
	}
	s.c.UpsertOwner(s.kind, uid, o)
	return nil
}

func (s *ownerSink) Delete(obj any) error {
	uid, _, err := s.owner(obj)
	if err != nil {
		return err
	}
	s.c.DeleteOwner(s.kind, uid)
	return nil
}

func (s *ownerSink) Replace(list []any, _ string) error {
	owners := make(map[string]Owner, len(list))
	for _, obj := range list {
		uid, o, err := s.owner(obj)
		if err != nil {
			return err
		}
		owners[uid] = o
	}
	s.c.ReplaceOwners(s.kind, owners)
	return nil
}
