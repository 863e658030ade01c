package decode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func named(name unifiedevent.Name) Decoder {
	return Func(func(Raw) (*unifiedevent.Event, error) { return &unifiedevent.Event{Name: name}, nil })
}

func TestRegistryPrefersExactKindOverAnyKind(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, r.Register("cni", AnyKind, named("generic")))
	require.NoError(t, r.Register("cni", "cni.line", named("line")))

	for kind, want := range map[string]unifiedevent.Name{"cni.line": "line", "cni.other": "generic"} {
		d, ok := r.Lookup("cni", kind)
		require.True(t, ok, kind)
		ev, err := d.Decode(Raw{})
		require.NoError(t, err)
		assert.Equal(t, want, ev.Name, kind)
	}
	_, ok := r.Lookup("ebpf", "cni.line")
	assert.False(t, ok, "a kind name does not leak across sources")
	assert.Equal(t, []string{"cni/*", "cni/cni.line"}, r.Entries())
}

func TestRegistryRefusesBadRegistrations(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, r.Register("ebpf", "oom.kill", named("a")))
	assert.ErrorIs(t, r.Register("ebpf", "oom.kill", named("b")), errDuplicate)
	assert.ErrorIs(t, r.Register("", "oom.kill", named("b")), errEmptySource)
	assert.ErrorIs(t, r.Register("ebpf", "", named("b")), errEmptyKind)
	assert.ErrorIs(t, r.Register("ebpf", "x", nil), errNilDecoder)
}

// A slot's value is made once per Scratch and handed back as the last
// record left it; another Scratch has its own.
func TestScratchSlotIsMadeOncePerScratch(t *testing.T) {
	slot := NewSlot()
	made := 0
	newValue := func() any { made++; return new([4]int) }
	var a, b Scratch
	first := a.Use(slot, newValue).(*[4]int)
	first[0] = 7
	assert.Same(t, first, a.Use(slot, newValue))
	assert.Equal(t, 7, a.Use(slot, newValue).(*[4]int)[0])
	assert.NotSame(t, first, b.Use(slot, newValue))
	assert.Equal(t, 2, made)
}
