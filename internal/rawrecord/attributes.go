package rawrecord

// Attribute keys of the raw-record contract. The schema package re-uses
// these, so a decoder reads exactly what a receiver wrote.
const (
	// AttrSource names the receiver family that read the payload.
	AttrSource = "tapio.source"
	// AttrKind says what the payload is, so a decoder can be chosen
	// without parsing it.
	AttrKind = "tapio.raw.kind"
	// AttrVersion is the version of the payload's layout for that kind, so a
	// decoder can refuse a layout it does not know instead of misreading it.
	AttrVersion = "tapio.raw.version"
)

// Resource attribute keys, from the OpenTelemetry semantic conventions.
const (
	ResourceHostName = "host.name"
	ResourceNodeName = "k8s.node.name"
)

// Source identifies a receiver family.
type Source string

// The sources Tapio's receivers emit.
const (
	SourceEBPF    Source = "ebpf"
	SourceCNI     Source = "cni"
	SourceSystemd Source = "systemd"
	SourceK8s     Source = "k8s"
)

// KindLoss marks a record that reports payloads lost before they could be
// read (a full ring buffer, a truncated file), so downstream sees the gap.
const KindLoss = "loss"
