package k8sdecoder

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Kind and Version are the raw kind and layout the receiver writes
// (receiver/k8swatchreceiver's KindWatch and RawVersion); repeated here so
// the processor does not import a receiver.
const (
	Kind    = "k8s.watch"
	Version = "1"
)

// ErrMalformed means the body is not a watch event: not JSON, no object,
// an unknown event type, or an object without kind or name.
var ErrMalformed = errors.New("malformed watch event")

// Register adds the k8s watch decoder to r.
func Register(r *decode.Registry) error {
	if err := r.Register(unifiedevent.SourceK8s, Kind, decode.Func(Decode)); err != nil {
		return fmt.Errorf("register k8s decoder: %w", err)
	}
	return nil
}

// Decode maps one watch event.
func Decode(raw decode.Raw) (*unifiedevent.Event, error) {
	if err := decode.CheckVersion(unifiedevent.SourceK8s, Kind, raw.Version, Version); err != nil {
		return nil, err
	}
	var we watchEvent
	if err := json.Unmarshal(raw.Body, &we); err != nil {
		return nil, fmt.Errorf("k8s %s: %w: %w", Kind, ErrMalformed, err)
	}
	switch we.Type {
	case "ADDED", "MODIFIED", "DELETED":
	default:
		return nil, fmt.Errorf("k8s %s: %w: event type %s", Kind, ErrMalformed, decode.Clip(we.Type, 32))
	}
	o := we.Object
	if o == nil || o.Kind == "" || o.Metadata.Name == "" {
		return nil, fmt.Errorf("k8s %s: %w: object without kind or name", Kind, ErrMalformed)
	}
	if o.Count < 0 || o.DeprecatedCount < 0 {
		return nil, fmt.Errorf("k8s %s: %w: negative count", Kind, ErrMalformed)
	}
	ev := &unifiedevent.Event{
		Name: unifiedevent.NameK8sObject,
		K8sObject: &unifiedevent.K8sObject{
			Kind:            o.Kind,
			Namespace:       o.Metadata.Namespace,
			Name:            o.Metadata.Name,
			UID:             o.Metadata.UID,
			ResourceVersion: o.Metadata.ResourceVersion,
			Change:          we.Type,
		},
	}
	if kind, name := owner(o); kind != "" {
		ev.K8sObject.OwnerKind, ev.K8sObject.OwnerName = kind, name
	}
	switch {
	case o.Kind == "Event":
		if err := mapEvent(ev, o); err != nil {
			return nil, fmt.Errorf("k8s %s: %w", Kind, err)
		}
	case o.Kind == "Pod":
		if err := mapPod(ev, o, we.Type); err != nil {
			return nil, fmt.Errorf("k8s %s: %w", Kind, err)
		}
	case o.Kind == "Node":
		mapNode(ev, o, we.Type)
	default:
		mapOther(ev, o, we.Type)
	}
	return ev, nil
}

// owner is the controlling owner reference, else the first one.
func owner(o *object) (kind, name string) {
	refs := o.Metadata.OwnerReferences
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return r.Kind, r.Name
		}
	}
	if len(refs) > 0 {
		return refs[0].Kind, refs[0].Name
	}
	return "", ""
}

// worse keeps the more severe of two.
func worse(a, b decode.Severity) decode.Severity {
	if b.Number > a.Number {
		return b
	}
	return a
}

// nonNegative guards counts the schema refuses below zero; no API server
// writes one, so a negative count is a forged or corrupt object.
func nonNegative(what string, n int64) error {
	if n < 0 {
		return fmt.Errorf("%w: %s %d is negative", ErrMalformed, what, n)
	}
	return nil
}
