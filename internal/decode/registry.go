package decode

import (
	"errors"
	"fmt"
	"sort"
)

// AnyKind registers a decoder for every kind of a source that has no decoder
// of its own, for sources whose payload says what it is (a log line).
const AnyKind = "*"

var (
	errEmptySource = errors.New("source is empty")
	errEmptyKind   = errors.New("kind is empty")
	errNilDecoder  = errors.New("decoder is nil")
	errDuplicate   = errors.New("a decoder is already registered")
)

type key struct{ source, kind string }

// Registry maps (source, kind) to a decoder. It is filled once at start and
// read concurrently afterwards; it is not safe to register while decoding.
type Registry struct {
	decoders map[key]Decoder
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{decoders: make(map[key]Decoder)}
}

// Register adds a decoder for a source and kind (or AnyKind). Registering
// the same pair twice is an error: two decoders for one payload is a bug
// that would otherwise surface as whichever happened to win.
func (r *Registry) Register(source, kind string, d Decoder) error {
	switch {
	case source == "":
		return fmt.Errorf("register decoder: %w", errEmptySource)
	case kind == "":
		return fmt.Errorf("register decoder for %s: %w", source, errEmptyKind)
	case d == nil:
		return fmt.Errorf("register decoder for %s/%s: %w", source, kind, errNilDecoder)
	}
	k := key{source, kind}
	if _, ok := r.decoders[k]; ok {
		return fmt.Errorf("register decoder for %s/%s: %w", source, kind, errDuplicate)
	}
	r.decoders[k] = d
	return nil
}

// Lookup finds the decoder for a source and kind, falling back to the
// source's AnyKind decoder.
func (r *Registry) Lookup(source, kind string) (Decoder, bool) {
	if d, ok := r.decoders[key{source, kind}]; ok {
		return d, true
	}
	d, ok := r.decoders[key{source, AnyKind}]
	return d, ok
}

// Entries lists the registered (source, kind) pairs in order, for
// documentation and start-up logging.
func (r *Registry) Entries() []string {
	out := make([]string, 0, len(r.decoders))
	for k := range r.decoders {
		out = append(out, k.source+"/"+k.kind)
	}
	sort.Strings(out)
	return out
}
