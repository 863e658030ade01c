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
// The subject's pod and container can live in a third place: the record's
// Resource. The K8s enrichment processor moves each record whose pod it
// finds under a Resource of that pod and container and writes the pod there
// once per batch (K8s.WriteResource, Container.WriteResource), where the
// semantic conventions put k8s.* and container.*: pdata allocates every
// value, so writing the pod once per pod rather than once per event is what
// makes enrichment cheap. The body keeps what a decoder wrote (a Kubernetes
// Event's k8s part and reason). Readers of enriched records therefore use
// FromRecord(resource, record), which fills the k8s and container parts
// from the Resource wherever the body left a field empty (FillFromResource);
// FromLogRecord alone sees only the body.
//
// Enrichers that add a per-event part to a record already written (the
// peer of a connection) merge it in place with K8s.MergePeer (and
// K8s.MergeSubject, Container.Merge for a subject kept on the record), which
// share WriteTo's part writers, so both paths write the same keys.
//
// Versioning: tapio.schema.version is written on every record. Additive
// changes (a new part, field, event name or attribute) keep version "1", so a
// reader must ignore keys it does not know; renaming or removing a key, or
// changing its type or meaning, bumps the version, and FromLogRecord refuses
// versions it was not built for instead of guessing.
package unifiedevent
