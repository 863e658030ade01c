package decode

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// ErrUnsupportedVersion is wrapped by a decoder that meets a payload layout
// version it does not know. It is reported apart from malformed payloads
// because it means a receiver and a processor of different releases, not
// bad data.
var ErrUnsupportedVersion = errors.New("unsupported raw version")

// Raw is one raw record as a decoder sees it.
type Raw struct {
	Source  string
	Kind    string
	Version string
	// Body is the payload as read. It is only valid during Decode: the
	// decoder must copy what it keeps.
	Body []byte
	// Time is when the event happened; zero when the source did not say.
	Time time.Time
	// ObservedTime is when the receiver read it.
	ObservedTime time.Time
	// Attributes are the record's attributes, for context a receiver adds
	// (a file path, a unit name). Read only.
	Attributes pcommon.Map
	// Scratch, when set, is memory the decoder may build its event in
	// (see Scratch for the rules); nil when the caller keeps the events.
	Scratch *Scratch
}

// Decoder turns a raw payload into a UnifiedEvent. It must not panic on any
// input: a payload it cannot read is an error, and the record passes on
// undecoded with the error attached.
//
// The event's ID, Source, RawKind and times may be left empty: the caller
// fills them from the record, so every decoder gets them right.
type Decoder interface {
	Decode(raw Raw) (*unifiedevent.Event, error)
}

// Func adapts a function to the Decoder interface.
type Func func(raw Raw) (*unifiedevent.Event, error)

// Decode calls f.
func (f Func) Decode(raw Raw) (*unifiedevent.Event, error) { return f(raw) }

// CheckVersion refuses a payload layout other than the one a decoder reads,
// with an error that names the source, the kind and both versions and wraps
// ErrUnsupportedVersion, so every decoder reports the mismatch alike.
func CheckVersion(source, kind, got, want string) error {
	if got == want {
		return nil
	}
	return fmt.Errorf("%s %s: raw version %s, want %q: %w", source, kind, Clip(got, 16), want, ErrUnsupportedVersion)
}
