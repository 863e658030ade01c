package rawrecord

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Emitter stamps raw records for one receiver instance. It is safe to share:
// it holds only immutable settings, and every batch it starts is separate.
type Emitter struct {
	source       Source
	version      string
	identity     Identity
	scopeName    string
	scopeVersion string
	now          func() time.Time
}

// NewEmitter returns an Emitter for a receiver of the given source whose
// payloads follow layout version. scopeName is the receiver's package path,
// the instrumentation scope that produced the records.
func NewEmitter(source Source, version string, identity Identity, scopeName, scopeVersion string) *Emitter {
	return &Emitter{
		source:       source,
		version:      version,
		identity:     identity,
		scopeName:    scopeName,
		scopeVersion: scopeVersion,
		now:          time.Now,
	}
}

// Batch collects raw records that will be handed to the next consumer
// together. It is not safe for concurrent use.
type Batch struct {
	emitter *Emitter
	logs    plog.Logs
	records plog.LogRecordSlice
}

// NewBatch starts an empty batch with the resource and scope set.
func (e *Emitter) NewBatch() *Batch {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	res.PutStr(ResourceHostName, e.identity.HostName)
	res.PutStr(ResourceNodeName, e.identity.NodeName)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(e.scopeName)
	sl.Scope().SetVersion(e.scopeVersion)
	return &Batch{emitter: e, logs: logs, records: sl.LogRecords()}
}

// rawAttrs are the attributes Append writes; decodedAttrs the room left
// for what tapio_unified's WriteTo adds when it decodes the record in place
// and the one attribute enrichment adds after it: 13 fits the kernel's
// busiest kinds (a tcp.state or dns event adds 12) with the enrichment
// status, and every slot more is 40 bytes that malloc clears and the GC
// scans for every record. An event that needs more gets one exact-sized
// slice from WriteTo.
const rawAttrs, decodedAttrs = 3, 13

// ReservedAttrs is the attribute room Append gives each record.
const ReservedAttrs = rawAttrs + decodedAttrs

// Append adds one raw record and returns it, so the receiver can add
// attributes of its own (a file path, a unit name). The payload is copied:
// the caller may reuse its buffer. eventTime is when the event happened; a
// zero eventTime means the source did not say, and the timestamp is left
// unset rather than invented. The observed time is now.
func (b *Batch) Append(kind string, payload []byte, eventTime time.Time) plog.LogRecord {
	return b.append(kind, payload, eventTime, b.emitter.now())
}

func (b *Batch) append(kind string, payload []byte, eventTime, observed time.Time) plog.LogRecord {
	lr := b.records.AppendEmpty()
	lr.Body().SetEmptyBytes().FromRaw(payload)
	if !eventTime.IsZero() {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(eventTime))
	}
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
	attrs := lr.Attributes()
	// Sized once for the record's whole life: the three raw attributes
	// here and the event's that tapio_unified adds when it decodes the
	// record in place. Growing 1→2→4 here and again there cost four slice
	// allocations per record.
	attrs.EnsureCapacity(ReservedAttrs)
	attrs.PutStr(AttrSource, string(b.emitter.source))
	attrs.PutStr(AttrKind, kind)
	attrs.PutStr(AttrVersion, b.emitter.version)
	return lr
}

// Len is the number of records in the batch.
func (b *Batch) Len() int { return b.records.Len() }

// Logs hands the batch over. The batch must not be appended to afterwards:
// the consumer owns the data.
func (b *Batch) Logs() plog.Logs { return b.logs }
