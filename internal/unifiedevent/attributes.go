package unifiedevent

import (
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/internal/rawrecord"
)

// SemconvSchemaURL names the semantic-conventions release the attributes
// follow, so a processor can stamp it on the scope it emits.
const SemconvSchemaURL = semconv.SchemaURL

// Tapio's own attribute keys. Each exists because no semantic convention
// covers it.
const (
	// AttrSource, AttrRawKind and AttrRawVersion are the raw-record keys a
	// receiver writes (package rawrecord owns them); a UnifiedEvent keeps
	// them so it still says where it came from.
	AttrSource     = rawrecord.AttrSource
	AttrRawKind    = rawrecord.AttrKind
	AttrRawVersion = rawrecord.AttrVersion
	// AttrSchemaVersion marks a record as a UnifiedEvent and says which
	// version of this schema wrote it.
	AttrSchemaVersion = "tapio.schema.version"
	// AttrEventID is the stable id from NewID; re-delivered records share
	// it, so consumers can deduplicate and incidents can list members.
	AttrEventID = "tapio.event.id"
	// AttrDecodeError is set on a raw record that could not be decoded: such
	// records travel on instead of being dropped silently.
	AttrDecodeError = "tapio.decode.error"
	// AttrEventName repeats the LogRecord's EventName field as an attribute.
	// Semantic conventions moved event.name to that field, but many backends
	// and collector processors still only see attributes.
	AttrEventName = "event.name"
	// AttrSystemdUnit names the unit of a systemd event; semantic
	// conventions have no systemd namespace.
	AttrSystemdUnit = "tapio.systemd.unit"
)

// ownedKeys are the attributes WriteTo manages. They are cleared before an
// event is written so a rewritten record never keeps a stale value (say the
// pod name an enricher has since corrected), while keys owned by other
// processors survive. The provenance keys tapio.source, tapio.raw.kind and
// tapio.raw.version are not in the set: the receiver wrote them, they
// describe the record rather than the event, and a decoder that leaves them
// empty on the Event must not erase them.
var ownedKeys = func() map[string]struct{} {
	keys := []string{
		AttrSchemaVersion, AttrEventID, AttrDecodeError, AttrEventName, AttrSystemdUnit,
		AttrIncidentID, AttrIncidentRule, AttrIncidentState,
		string(semconv.ProcessPIDKey),
		string(semconv.ProcessParentPIDKey),
		string(semconv.ProcessUserIDKey),
		string(semconv.ProcessExecutableNameKey),
		string(semconv.ProcessExecutablePathKey),
		string(semconv.ProcessCommandLineKey),
		string(semconv.ProcessCreationTimeKey),
		string(semconv.ProcessExitCodeKey),
		string(semconv.ContainerIDKey),
		string(semconv.ContainerNameKey),
		string(semconv.ContainerImageNameKey),
		string(semconv.ContainerRuntimeNameKey),
		string(semconv.K8SPodUIDKey),
		string(semconv.K8SPodNameKey),
		string(semconv.K8SNamespaceNameKey),
		string(semconv.K8SNodeNameKey),
		string(semconv.K8SContainerNameKey),
		string(semconv.NetworkTransportKey),
		string(semconv.NetworkTypeKey),
		string(semconv.NetworkLocalAddressKey),
		string(semconv.NetworkLocalPortKey),
		string(semconv.NetworkPeerAddressKey),
		string(semconv.NetworkPeerPortKey),
		string(semconv.NetworkConnectionStateKey),
		string(semconv.DNSQuestionNameKey),
		string(semconv.DNSAnswersKey),
	}
	owned := make(map[string]struct{}, len(keys)+len(workloadKinds))
	for _, k := range keys {
		owned[k] = struct{}{}
	}
	for _, kind := range workloadKinds {
		k, _ := WorkloadAttrKey(kind)
		owned[k] = struct{}{}
	}
	return owned
}()
