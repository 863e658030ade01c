package deploycheck

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager owns the fields this package applies.
const FieldManager = "tapio-deploy-check"

// Applier applies rendered objects with server-side apply.
type Applier struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewApplier reaches the API server of cfg; kinds are resolved through its
// discovery, so a kind the server does not serve is an error naming it.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	return &Applier{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// Apply server-side applies each object, force-owning its fields. With
// dryRun the server runs defaulting, validation and admission and stores
// nothing. Namespaces are always applied for real: a dry-run namespace
// does not exist for the dry-run objects that go in it, which the server
// would refuse. Every object's error is returned, joined.
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured, dryRun bool) error {
	var errs []error
	for _, o := range objs {
		real := !dryRun || o.GetKind() == "Namespace"
		if err := a.apply(ctx, o, real); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (a *Applier) apply(ctx context.Context, o *unstructured.Unstructured, real bool) error {
	gvk := o.GroupVersionKind()
	id := fmt.Sprintf("%s %s/%s", gvk.Kind, o.GetNamespace(), o.GetName())
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("apply %s: kind not served: %w", id, err)
	}
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if !real {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	var client dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
	if m.Scope.Name() == "namespace" {
		if o.GetNamespace() == "" {
			return fmt.Errorf("apply %s: namespaced kind without a namespace", id)
		}
		client = a.dyn.Resource(m.Resource).Namespace(o.GetNamespace())
	}
	if _, err := client.Apply(ctx, o.GetName(), o, opts); err != nil {
		return fmt.Errorf("apply %s: %w", id, err)
	}
	return nil
}
