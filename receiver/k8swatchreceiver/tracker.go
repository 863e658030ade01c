package k8swatchreceiver

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// Where a change came from, written on the record (origin attribute) so a
// consumer can tell a change seen live from one inferred by listing.
const (
	originWatch       = ""
	originInitialList = "initial_list"
	originRelist      = "relist"
)

// change is one record to emit.
type change struct {
	typ    watch.EventType
	obj    runtime.Object
	origin string
}

// sink receives what the tracker decides, in order.
type sink interface {
	// deliver hands changes on. relist marks the result of a re-list
	// (after a watch could not resume): each of its changes stands for one
	// or more watch events never seen one by one. A re-list that found
	// nothing is delivered too, with no changes, so it can be counted.
	deliver(changes []change, relist bool)
	// duplicates counts items dropped as already delivered.
	duplicates(n int)
	// tracked reports how many objects are tracked now.
	tracked(n int)
}

// seen is what the tracker keeps per object: enough to tell a new state
// from one already delivered, and to name the object if it disappears
// while no watch is open. It is the receiver's whole cache: the object
// itself is emitted and dropped.
type seen struct {
	uid types.UID
	rv  string
}

// tracker is the reflector's store. The reflector calls Add, Update and
// Delete for watch events and Replace with a full list, both at the start
// and whenever a watch cannot resume (410 Gone after an outage or a
// compaction). Replace is where duplicates and gaps would come from, so it
// diffs the list against what was delivered: objects at a resourceVersion
// already delivered are dropped, newer ones become MODIFIED, unknown ones
// ADDED, and tracked objects missing from the list DELETED. Watch events
// at or below the delivered resourceVersion are dropped too, which covers
// a watch resumed from an older resourceVersion.
//
// One reflector goroutine calls it, so it needs no lock.
type tracker struct {
	gvk  schema.GroupVersionKind
	sink sink
	// keepInitial filters the first list only: tracked either way, an
	// object it refuses is not emitted (Events already reported before
	// this receiver started).
	keepInitial func(runtime.Object) bool

	objects map[string]seen
	listed  bool
}

var _ cache.ReflectorStore = (*tracker)(nil)

func newTracker(gvk schema.GroupVersionKind, s sink, keepInitial func(runtime.Object) bool) *tracker {
	return &tracker{gvk: gvk, sink: s, keepInitial: keepInitial, objects: map[string]seen{}}
}

// Add is a watch ADDED.
func (t *tracker) Add(obj any) error { return t.observe(watch.Added, obj) }

// Update is a watch MODIFIED.
func (t *tracker) Update(obj any) error { return t.observe(watch.Modified, obj) }

func (t *tracker) observe(typ watch.EventType, obj any) error {
	o, m, err := access(obj)
	if err != nil {
		return err
	}
	key := keyOf(m)
	if old, ok := t.objects[key]; ok && old.uid == m.GetUID() && !newer(m.GetResourceVersion(), old.rv) {
		t.sink.duplicates(1)
		return nil
	}
	t.objects[key] = seen{uid: m.GetUID(), rv: m.GetResourceVersion()}
	t.sink.deliver([]change{{typ: typ, obj: o, origin: originWatch}}, false)
	t.sink.tracked(len(t.objects))
	return nil
}

// Delete is a watch DELETED. A deletion of an object not tracked (or of an
// older incarnation) was already reported by a re-list.
func (t *tracker) Delete(obj any) error {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	o, m, err := access(obj)
	if err != nil {
		return err
	}
	key := keyOf(m)
	if old, ok := t.objects[key]; !ok || old.uid != m.GetUID() {
		t.sink.duplicates(1)
		return nil
	}
	delete(t.objects, key)
	t.sink.deliver([]change{{typ: watch.Deleted, obj: o, origin: originWatch}}, false)
	t.sink.tracked(len(t.objects))
	return nil
}

// Replace diffs a full list against what was delivered (see tracker).
func (t *tracker) Replace(list []any, _ string) error {
	first := !t.listed
	t.listed = true
	origin := originRelist
	if first {
		origin = originInitialList
	}
	var out []change
	dups := 0
	present := make(map[string]struct{}, len(list))
	for _, item := range list {
		o, m, err := access(item)
		if err != nil {
			return err
		}
		key := keyOf(m)
		present[key] = struct{}{}
		now := seen{uid: m.GetUID(), rv: m.GetResourceVersion()}
		old, ok := t.objects[key]
		switch {
		case !ok:
			t.objects[key] = now
			if first && t.keepInitial != nil && !t.keepInitial(o) {
				continue
			}
			out = append(out, change{typ: watch.Added, obj: o, origin: origin})
		case old.uid != now.uid:
			// Deleted and re-created under the same name while no watch
			// was open: both halves happened, so both are reported.
			t.objects[key] = now
			out = append(out,
				change{typ: watch.Deleted, obj: t.tombstone(key, old), origin: origin},
				change{typ: watch.Added, obj: o, origin: origin})
		case newer(now.rv, old.rv):
			t.objects[key] = now
			out = append(out, change{typ: watch.Modified, obj: o, origin: origin})
		default:
			dups++
		}
	}
	var gone []string
	for key := range t.objects {
		if _, ok := present[key]; !ok {
			gone = append(gone, key)
		}
	}
	slices.Sort(gone) // map order would make the records' order random
	for _, key := range gone {
		out = append(out, change{typ: watch.Deleted, obj: t.tombstone(key, t.objects[key]), origin: origin})
		delete(t.objects, key)
	}
	if dups > 0 {
		t.sink.duplicates(dups)
	}
	if len(out) > 0 || !first {
		t.sink.deliver(out, !first)
	}
	t.sink.tracked(len(t.objects))
	return nil
}

// Resync is a no-op: the tracker has nothing to re-deliver.
func (t *tracker) Resync() error { return nil }

// tombstone stands in for an object that vanished while no watch was open:
// its last state is unknown, so the record carries only what identifies it.
func (t *tracker) tombstone(key string, s seen) runtime.Object {
	ns, name, _ := strings.Cut(key, "/")
	if name == "" {
		ns, name = "", key
	}
	apiVersion, kind := t.gvk.ToAPIVersionAndKind()
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: s.uid, ResourceVersion: s.rv},
	}
}

// newer reports whether resourceVersion a is later than b. Versions are
// comparable integers since Kubernetes 1.35; for a server whose versions
// are not, any difference counts as newer, so nothing is lost.
func newer(a, b string) bool {
	c, err := resourceversion.CompareResourceVersion(a, b)
	if err != nil {
		return a != b
	}
	return c > 0
}

func access(obj any) (runtime.Object, metav1.Object, error) {
	o, ok := obj.(runtime.Object)
	if !ok {
		return nil, nil, fmt.Errorf("watch delivered %T, not a Kubernetes object", obj)
	}
	m, err := meta.Accessor(o)
	if err != nil {
		return nil, nil, fmt.Errorf("read object metadata: %w", err)
	}
	return o, m, nil
}

// keyOf is namespace/name, or name for cluster-scoped objects.
func keyOf(m metav1.Object) string {
	if ns := m.GetNamespace(); ns != "" {
		return ns + "/" + m.GetName()
	}
	return m.GetName()
}
