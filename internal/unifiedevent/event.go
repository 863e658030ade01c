package unifiedevent

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/rawrecord"
)

// SchemaVersion is the version this package writes and the only one it reads.
const SchemaVersion = "1"

var (
	// ErrNotUnifiedEvent means the record carries no tapio.schema.version:
	// typically a raw receiver record that was never decoded.
	ErrNotUnifiedEvent = errors.New("not a unified event")
	// ErrUnsupportedVersion means the record was written by another schema
	// version; guessing at renamed keys would corrupt data.
	ErrUnsupportedVersion = errors.New("unsupported unified event schema version")
	// ErrMalformed means the record claims the supported version but a key
	// holds the wrong type or an impossible value; the error names the key.
	ErrMalformed = errors.New("malformed unified event")
)

// Values of tapio.source, one per receiver family. The receivers' side of
// the contract (package rawrecord) owns them; they are repeated here as
// plain strings for the Event.Source field.
const (
	SourceEBPF    = string(rawrecord.SourceEBPF)
	SourceCNI     = string(rawrecord.SourceCNI)
	SourceSystemd = string(rawrecord.SourceSystemd)
	SourceK8s     = string(rawrecord.SourceK8s)
	// SourceCorrelation marks records the correlation connector makes
	// (incidents) rather than decodes.
	SourceCorrelation = "correlation"
)

// Event is one decoded occurrence on a node: what happened (Name, Message,
// Severity), to what (Process, Container, K8s, …) and where it came from
// (Source, RawKind, Raw). Parts are pointers because most events fill only a
// few; a nil part is absent from the record.
type Event struct {
	// ID is NewID over the raw record, so a re-delivered record gets the
	// same id and can be deduplicated.
	ID      string
	Name    Name
	Source  string
	RawKind string
	// RawVersion is carried over from the raw record so a consumer can tell
	// which receiver layout an odd value came from.
	RawVersion string

	// Time is when it happened, ObservedTime when a receiver read it. OTLP
	// counts nanoseconds from 1970 as an unsigned number, so the zero time
	// and times before 1970 are stored as 0 (unknown) and read back as the
	// zero time. FromLogRecord returns UTC.
	Time         time.Time
	ObservedTime time.Time

	Severity     plog.SeverityNumber
	SeverityText string
	// Message is a human one-liner ("oom-killer killed java (pid 4121) in
	// pod shop/cart-7d9f"), for people reading a plain log view.
	Message string

	Process   *Process
	Container *Container
	// K8s is the subject of the event: the pod (or workload) it is about.
	K8s *K8s
	// K8sObject is the Kubernetes object a k8s-sourced event was decoded
	// from, with the status fields that explain failures.
	K8sObject *K8sObject
	// Peer is the Kubernetes object on the far side of a connection, when
	// the peer address belongs to the cluster.
	Peer    *K8s
	Network *Network
	Kernel  *Kernel
	Systemd *Systemd
	CNI     *CNI
	Loss    *Loss
	// Incident is set on the correlation connector's incident records
	// (Name tapio.incident, Source correlation) only.
	Incident *Incident

	// Raw is the receiver's payload, kept only when configured: it makes a
	// record self-explaining but can double its size.
	Raw []byte
}

// Validate reports whether e survives the trip through a log record intact
// enough to be read back: a name, an id, and values within their ranges. It
// writes to a scratch record, so the rules cannot drift from FromLogRecord;
// decoders call it in tests, not per event.
func (e *Event) Validate() error {
	lr := plog.NewLogRecord()
	e.WriteTo(lr)
	_, err := FromLogRecord(lr)
	return err
}
