package ebpfdecoder

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

var (
	// ErrKindMismatch means the sample's header type is not the type the
	// record's tapio.raw.kind names: a receiver bug, or records mixed up on
	// the way, and either way the payload cannot be trusted as that kind.
	ErrKindMismatch = errors.New("sample type does not match the record's kind")
	// ErrMalformed means the sample parsed but holds values no kernel
	// writes: an unknown address family or TCP state, an id beyond int64,
	// a DNS payload that is not a DNS message.
	ErrMalformed = errors.New("malformed sample")
)

// version is the one wire layout this package reads, spelled as the
// receiver writes tapio.raw.version.
var version = strconv.Itoa(wire.Version)

// decoder decodes one raw kind. Each kind gets its own so that the record's
// kind is checked against the sample's own type.
type decoder struct {
	typ    wire.Type
	kind   string
	decode func(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error)
}

func decoders() []*decoder {
	fns := [wire.TypeMax]func([]byte, wire.Type, *decode.Scratch) (*unifiedevent.Event, error){
		wire.TypeExec:          decodeExec,
		wire.TypeExit:          decodeExit,
		wire.TypeOOMKill:       decodeOOMKill,
		wire.TypeTCPState:      decodeTCP,
		wire.TypeTCPReset:      decodeTCP,
		wire.TypeTCPRetransmit: decodeTCP,
		wire.TypeDNS:           decodeDNS,
	}
	var out []*decoder
	for t := wire.Type(1); t < wire.TypeMax; t++ {
		out = append(out, &decoder{typ: t, kind: wire.Kind(t), decode: fns[t]})
	}
	return out
}

// Register adds a decoder for every eBPF raw kind to r.
func Register(r *decode.Registry) error {
	for _, d := range decoders() {
		if d.decode == nil || d.kind == "" {
			// The wire package gained a type this package does not map
			// yet; refusing to start beats passing its records undecoded.
			return fmt.Errorf("register ebpf decoders: no decoder for wire type %d", uint32(d.typ))
		}
		if err := r.Register(unifiedevent.SourceEBPF, d.kind, d); err != nil {
			return fmt.Errorf("register ebpf decoders: %w", err)
		}
	}
	return nil
}

// Decode checks the layout version, then parses and maps the sample.
func (d *decoder) Decode(raw decode.Raw) (*unifiedevent.Event, error) {
	if err := decode.CheckVersion(unifiedevent.SourceEBPF, d.kind, raw.Version, version); err != nil {
		return nil, err
	}
	ev, err := d.decode(raw.Body, d.typ, raw.Scratch)
	switch {
	case err == nil:
		return ev, nil
	case errors.Is(err, wire.ErrWrongType) && !errors.Is(err, ErrKindMismatch):
		return nil, fmt.Errorf("ebpf %s: %w: %w", d.kind, ErrKindMismatch, err)
	default:
		return nil, fmt.Errorf("ebpf %s: %w", d.kind, err)
	}
}

// checkType catches what the typed parsers let through: ParseTCP takes
// all three TCP types.
func checkType(h wire.Header, want wire.Type) error {
	if h.Type != want {
		return fmt.Errorf("%w: sample is %s", ErrKindMismatch, h.Type)
	}
	return nil
}

// toInt64 converts a kernel id or size to the schema's signed integers.
// No kernel writes a value past MaxInt64; one that claims to is corrupt,
// and writing it would make a negative id that readers refuse.
func toInt64(what string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %s %d exceeds int64", ErrMalformed, what, v)
	}
	return int64(v), nil
}

// text makes kernel bytes (comm, file names, argv, DNS names) valid UTF-8:
// Linux names are arbitrary bytes, but OTLP strings must be UTF-8 and a
// strict receiver rejects the whole request otherwise.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// msgSize fits almost every message on the stack; longer ones (a long exec
// path) grow onto the heap once.
const msgSize = 192

// appendProc writes "comm (pid N)".
func appendProc(m []byte, comm string, pid uint32) []byte {
	m = append(m, comm...)
	m = append(m, " (pid "...)
	m = strconv.AppendUint(m, uint64(pid), 10)
	return append(m, ')')
}
