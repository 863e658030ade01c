package k8swatchreceiver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// fakeSink records the tracker's decisions. The tracker's contract is
// pure bookkeeping, so these tests feed it what a reflector would; the
// real reflector and API server are in receiver_test.go.
type fakeSink struct {
	out     []string
	relists []bool
	dups    int
	size    int
}

func (f *fakeSink) deliver(changes []change, relist bool) {
	for _, c := range changes {
		_, meta, _ := access(c.obj)
		f.out = append(f.out, fmt.Sprintf("%s %s uid=%s rv=%s %s", c.typ, keyOf(meta), meta.GetUID(), meta.GetResourceVersion(), c.origin))
	}
	f.relists = append(f.relists, relist)
}
func (f *fakeSink) duplicates(n int) { f.dups += n }
func (f *fakeSink) tracked(n int)    { f.size = n }

func testPod(name, uid, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(uid), ResourceVersion: rv}}
}

func list(objs ...runtime.Object) []any {
	out := make([]any, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

func TestTrackerDropsWatchEventsAlreadyDelivered(t *testing.T) {
	s := &fakeSink{}
	tr := newTracker(gvkPod, s, nil)
	require.NoError(t, tr.Replace(list(testPod("a", "u1", "10")), "10"))
	require.NoError(t, tr.Update(testPod("a", "u1", "10"))) // same state again
	require.NoError(t, tr.Update(testPod("a", "u1", "9")))  // older state
	require.NoError(t, tr.Update(testPod("a", "u1", "11")))
	require.NoError(t, tr.Delete(testPod("a", "u1", "12")))
	require.NoError(t, tr.Delete(testPod("a", "u1", "12"))) // already gone
	assert.Equal(t, []string{
		"ADDED ns/a uid=u1 rv=10 initial_list",
		"MODIFIED ns/a uid=u1 rv=11 ",
		"DELETED ns/a uid=u1 rv=12 ",
	}, s.out)
	assert.Equal(t, 3, s.dups)
	assert.Equal(t, 0, s.size)
}

func TestTrackerRelistEmitsOnlyWhatChanged(t *testing.T) {
	s := &fakeSink{}
	tr := newTracker(gvkPod, s, nil)
	require.NoError(t, tr.Replace(list(
		testPod("same", "u1", "10"), testPod("changed", "u2", "11"),
		testPod("gone-b", "u3", "12"), testPod("gone-a", "u4", "13"), testPod("recreated", "u5", "14"),
	), "14"))
	s.out = nil

	// After a 410 the reflector lists again: one object is unchanged, one
	// moved on, two vanished, one was re-created under its name, one is new.
	require.NoError(t, tr.Replace(list(
		testPod("same", "u1", "10"), testPod("changed", "u2", "20"),
		testPod("recreated", "u9", "21"), testPod("new", "u6", "22"),
	), "22"))
	assert.Equal(t, []string{
		"MODIFIED ns/changed uid=u2 rv=20 relist",
		"DELETED ns/recreated uid=u5 rv=14 relist",
		"ADDED ns/recreated uid=u9 rv=21 relist",
		"ADDED ns/new uid=u6 rv=22 relist",
		"DELETED ns/gone-a uid=u4 rv=13 relist",
		"DELETED ns/gone-b uid=u3 rv=12 relist",
	}, s.out)
	assert.Equal(t, []bool{false, true}, s.relists)
	assert.Equal(t, 1, s.dups, "the unchanged object is a duplicate")
	assert.Equal(t, 4, s.size)

	// A relist that finds nothing new emits nothing, but is counted.
	s.out = nil
	require.NoError(t, tr.Replace(list(
		testPod("same", "u1", "10"), testPod("changed", "u2", "20"),
		testPod("recreated", "u9", "21"), testPod("new", "u6", "22"),
	), "22"))
	assert.Empty(t, s.out)
	assert.Equal(t, []bool{false, true, true}, s.relists)
}

func TestTrackerTombstoneNamesTheVanishedObject(t *testing.T) {
	var got []change
	tr := newTracker(gvkNode, sinkFunc(func(c []change) { got = append(got, c...) }), nil)
	require.NoError(t, tr.Replace(list(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "u1", ResourceVersion: "5"}}), "5"))
	got = nil
	require.NoError(t, tr.Replace(nil, "9"))
	require.Len(t, got, 1)
	tomb := got[0].obj.(*metav1.PartialObjectMetadata)
	assert.Equal(t, "v1", tomb.APIVersion)
	assert.Equal(t, "Node", tomb.Kind)
	assert.Equal(t, "n1", tomb.Name)
	assert.Empty(t, tomb.Namespace)
	assert.Equal(t, types.UID("u1"), tomb.UID)
}

func TestTrackerFiltersOnlyTheFirstList(t *testing.T) {
	s := &fakeSink{}
	tr := newTracker(gvkPod, s, func(o runtime.Object) bool { return o.(*corev1.Pod).Name != "old" })
	require.NoError(t, tr.Replace(list(testPod("old", "u1", "1"), testPod("recent", "u2", "2")), "2"))
	assert.Equal(t, []string{"ADDED ns/recent uid=u2 rv=2 initial_list"}, s.out)
	assert.Equal(t, 2, s.size, "a filtered object is still tracked")
	// A later change to it is news and is emitted.
	require.NoError(t, tr.Update(testPod("old", "u1", "3")))
	assert.Equal(t, "MODIFIED ns/old uid=u1 rv=3 ", s.out[1])
}

func TestNewerFallsBackForOpaqueVersions(t *testing.T) {
	assert.True(t, newer("10", "9"), "compared as numbers, not strings")
	assert.False(t, newer("9", "10"))
	assert.False(t, newer("10", "10"))
	assert.True(t, newer("b", "a"), "an opaque version that differs is news")
	assert.False(t, newer("a", "a"))
}

type sinkFunc func([]change)

func (f sinkFunc) deliver(c []change, _ bool) { f(c) }
func (sinkFunc) duplicates(int)               {}
func (sinkFunc) tracked(int)                  {}
