// Package unifiedevent owns Tapio's UnifiedEvent schema: the decoded form of
// one raw receiver record that every Tapio processor, decoder and connector
// reads and writes.
//
// An Event lives on a plog.LogRecord in two layers. The Body is a map with one
// snake_case sub-map per part (process, container, k8s, k8s_object, peer,
// network, kernel, systemd, cni, loss, incident) plus message and, when kept, the raw bytes; it
// is the source of truth and FromLogRecord reads only the body and the
// envelope. The attributes repeat what OpenTelemetry semantic conventions
// name (process.pid, k8s.pod.name, network.peer.address, dns.question.name
// …) so any OTel backend can filter and group Tapio events without knowing
// this schema; tapio.* keys are used only where no convention exists.
//
// Enrichers that add a part to a record already written (the K8s
// enrichment processor) merge it in place with K8s.MergeSubject,
// K8s.MergePeer and Container.Merge, which share WriteTo's part writers, so
// both paths write the same keys.
//
// Versioning: tapio.schema.version is written on every record. Additive
// changes (a new part, field, event name or attribute) keep version "1", so a
// reader must ignore keys it does not know; renaming or removing a key, or
// changing its type or meaning, bumps the version, and FromLogRecord refuses
// versions it was not built for instead of guessing.
package unifiedevent
