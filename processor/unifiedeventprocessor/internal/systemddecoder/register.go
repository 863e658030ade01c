package systemddecoder

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Raw kinds and the one payload layout version this package reads, as the
// receiver writes them.
const (
	KindUnitState    = "unit.state"
	KindJournalEntry = "journal.entry"
	version          = "1"
)

// ErrMalformed means the payload is JSON of the wrong shape: a required
// key missing, a value of the wrong type or out of range.
var ErrMalformed = errors.New("malformed systemd payload")

// parsers are reused across records: fastjson reads a payload in place,
// several times faster than encoding/json, which keeps decoding well above
// the rate a node's journal can produce.
var parsers fastjson.ParserPool

// Register adds the systemd decoders to r.
func Register(r *decode.Registry) error {
	for kind, fn := range map[string]func(*fastjson.Value, *decode.Scratch) (*unifiedevent.Event, error){
		KindUnitState:    decodeUnitState,
		KindJournalEntry: decodeJournalEntry,
	} {
		if err := r.Register(unifiedevent.SourceSystemd, kind, decoder{kind: kind, fn: fn}); err != nil {
			return fmt.Errorf("register systemd decoders: %w", err)
		}
	}
	return nil
}

type decoder struct {
	kind string
	fn   func(*fastjson.Value, *decode.Scratch) (*unifiedevent.Event, error)
}

// Decode checks the layout version, parses the JSON and maps it.
func (d decoder) Decode(raw decode.Raw) (*unifiedevent.Event, error) {
	if err := decode.CheckVersion(unifiedevent.SourceSystemd, d.kind, raw.Version, version); err != nil {
		return nil, err
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(raw.Body)
	if err != nil {
		return nil, fmt.Errorf("systemd %s: %w: %w", d.kind, ErrMalformed, err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("systemd %s: %w: payload is a JSON %s, want an object", d.kind, ErrMalformed, v.Type())
	}
	ev, err := d.fn(v, raw.Scratch)
	if err != nil {
		return nil, fmt.Errorf("systemd %s: %w", d.kind, err)
	}
	return ev, nil
}

// text makes a payload string valid UTF-8: journal messages are whatever a
// process wrote, and OTLP strings must be UTF-8.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
