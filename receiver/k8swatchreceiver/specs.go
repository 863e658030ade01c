package k8swatchreceiver

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
)

var (
	gvkPod   = corev1.SchemeGroupVersion.WithKind("Pod")
	gvkNode  = corev1.SchemeGroupVersion.WithKind("Node")
	gvkEvent = corev1.SchemeGroupVersion.WithKind("Event")
)

// typedSpec watches a core/v1 resource through the typed (protobuf)
// client, narrowed by a field selector.
func (r *k8sReceiver) typedSpec(resource string, gvk schema.GroupVersionKind, expected runtime.Object, selector fields.Selector) streamSpec {
	rc := r.clients.typed.CoreV1().RESTClient()
	apply := func(o metav1.ListOptions) metav1.ListOptions {
		if selector != nil {
			o.FieldSelector = selector.String()
		}
		return o
	}
	return streamSpec{
		resource: resource,
		gvk:      gvk,
		expected: expected,
		list: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o = apply(o)
			return rc.Get().Resource(resource).VersionedParams(&o, metav1.ParameterCodec).Do(ctx).Get()
		},
		watch: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o = apply(o)
			o.Watch = true
			return rc.Get().Resource(resource).VersionedParams(&o, metav1.ParameterCodec).Watch(ctx)
		},
	}
}

// podsSpec: the pods bound to this node, the kubelet's own view.
func (r *k8sReceiver) podsSpec() streamSpec {
	return r.typedSpec("pods", gvkPod, &corev1.Pod{}, fields.OneTermEqualSelector("spec.nodeName", r.identity.NodeName))
}

func (r *k8sReceiver) nodeSpec() streamSpec {
	return r.typedSpec("nodes", gvkNode, &corev1.Node{}, fields.OneTermEqualSelector("metadata.name", r.identity.NodeName))
}

// eventsSpec watches core/v1 Events. events.k8s.io/v1 is another view of
// the same stored objects, so an Event written through either API shows
// up here exactly once; watching both would emit each twice. core/v1 is
// the one every RBAC role that can read Events covers.
//
// The first list holds up to an hour of history; re-emitting it on every
// start or leader change would flood the pipeline, so only Events newer
// than a lease duration before the stream started are emitted from it:
// enough for a new leader to cover its predecessor's last moments.
func (r *k8sReceiver) eventsSpec() streamSpec {
	spec := r.typedSpec("events", gvkEvent, &corev1.Event{}, nil)
	cutoff := time.Now().Add(-r.cfg.LeaderElection.LeaseDuration)
	spec.keepInitial = func(o runtime.Object) bool {
		ev, ok := o.(*corev1.Event)
		return !ok || !eventObjectTime(ev).Before(cutoff)
	}
	return spec
}

// resourceSpec watches a configured resource cluster-wide, whole or as
// metadata only. Pods and nodes exclude this node's own, which the
// node-local streams already emit.
func (r *k8sReceiver) resourceSpec(rc ResourceConfig, gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) streamSpec {
	var exclude fields.Selector
	switch {
	case gvr.Group == "" && gvr.Resource == "pods" && r.cfg.Pods:
		exclude = fields.OneTermNotEqualSelector("spec.nodeName", r.identity.NodeName)
	case gvr.Group == "" && gvr.Resource == "nodes" && r.cfg.Node:
		exclude = fields.OneTermNotEqualSelector("metadata.name", r.identity.NodeName)
	}
	apply := func(o metav1.ListOptions) metav1.ListOptions {
		if exclude != nil {
			o.FieldSelector = exclude.String()
		}
		return o
	}
	spec := streamSpec{resource: rc.Name, gvk: gvk}
	if rc.MetadataOnly {
		c := r.clients.metadata.Resource(gvr)
		spec.expected = &metav1.PartialObjectMetadata{}
		spec.list = func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return c.List(ctx, apply(o)) }
		spec.watch = func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.Watch(ctx, apply(o))
		}
		return spec
	}
	c := r.clients.dynamic.Resource(gvr)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	spec.expected = u
	spec.list = func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return c.List(ctx, apply(o)) }
	spec.watch = func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return c.Watch(ctx, apply(o))
	}
	return spec
}

// runResource resolves a configured resource through discovery, retrying
// while the API server is unreachable, then watches it until ctx ends.
func (r *k8sReceiver) runResource(ctx context.Context, rc ResourceConfig) {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(r.clients.typed.Discovery()))
	delay := time.Second
	for {
		gvr, gvk, err := resolve(mapper, rc.Name)
		if err == nil {
			r.runStream(ctx, r.resourceSpec(rc, gvr, gvk))
			return
		}
		r.set.Logger.Warn("cannot resolve resource; retrying", zap.String("resource", rc.Name), zap.Error(err))
		mapper.Reset()
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

func resolve(mapper *restmapper.DeferredDiscoveryRESTMapper, name string) (schema.GroupVersionResource, schema.GroupVersionKind, error) {
	want := schema.ParseGroupResource(name).WithVersion("")
	if full, _ := schema.ParseResourceArg(name); full != nil {
		want = *full
	}
	gvr, err := mapper.ResourceFor(want)
	if err != nil {
		// "deployments.v1.apps" parses both ways; try the other reading.
		if alt := schema.ParseGroupResource(name).WithVersion(""); alt != want {
			gvr, err = mapper.ResourceFor(alt)
		}
		if err != nil {
			return schema.GroupVersionResource{}, schema.GroupVersionKind{}, fmt.Errorf("resolve %s: %w", name, err)
		}
	}
	gvk, err := mapper.KindFor(gvr)
	if err != nil {
		return schema.GroupVersionResource{}, schema.GroupVersionKind{}, fmt.Errorf("resolve kind of %s: %w", gvr, err)
	}
	return gvr, gvk, nil
}
