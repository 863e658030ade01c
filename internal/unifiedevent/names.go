package unifiedevent

import (
	"slices"
	"strings"
)

// Name is an event.name value. Names are namespaced tapio.* because they are
// Tapio's classification, not an OpenTelemetry event definition.
type Name string

// The event names Tapio emits. Adding one keeps schema version 1.
const (
	NameProcessExec   Name = "tapio.process.exec"
	NameProcessExit   Name = "tapio.process.exit"
	NameOOMKill       Name = "tapio.oom.kill"
	NameTCPConnect    Name = "tapio.tcp.connect"
	NameTCPState      Name = "tapio.tcp.state"
	NameTCPReset      Name = "tapio.tcp.reset"
	NameTCPRetransmit Name = "tapio.tcp.retransmit"
	NameDNSQuery      Name = "tapio.dns.query"
	NameDNSResponse   Name = "tapio.dns.response"
	NameCNIAdd        Name = "tapio.cni.add"
	NameCNIDel        Name = "tapio.cni.del"
	NameCNICheck      Name = "tapio.cni.check"
	NameCNIGC         Name = "tapio.cni.gc"
	NameCNIStatus     Name = "tapio.cni.status"
	NameCNILog        Name = "tapio.cni.log"
	NameUnitState     Name = "tapio.unit.state"
	NameJournalEntry  Name = "tapio.journal.entry"
	NameK8sEvent      Name = "tapio.k8s.event"
	NameK8sObject     Name = "tapio.k8s.object"
	NameLoss          Name = "tapio.loss"
	NameIncident      Name = "tapio.incident"
)

// NameInfo documents one event name.
type NameInfo struct {
	Name        Name
	Description string
	// Sources are the tapio.source values that emit the name.
	Sources []string
}

var (
	fromEBPF     = []string{SourceEBPF}
	fromCNI      = []string{SourceCNI}
	fromSystemd  = []string{SourceSystemd}
	fromK8s      = []string{SourceK8s}
	fromReceiver = []string{SourceEBPF, SourceCNI, SourceSystemd, SourceK8s}
)

var catalogue = []NameInfo{
	{NameProcessExec, "a process called execve; Process holds the new image", fromEBPF},
	{NameProcessExit, "a process exited; Process.ExitCode or Kernel.Signal says how", fromEBPF},
	{NameOOMKill, "the OOM killer killed a process; Process is the victim, Kernel.OOM the cgroup", fromEBPF},
	{NameTCPConnect, "a TCP connect started (SYN sent); Network holds both ends", fromEBPF},
	{NameTCPState, "a TCP socket changed state; Network.OldState and State", fromEBPF},
	{NameTCPReset, "a TCP connection was reset", fromEBPF},
	{NameTCPRetransmit, "a TCP segment was retransmitted", fromEBPF},
	{NameDNSQuery, "a DNS query left the node; Network.DNS holds the question", fromEBPF},
	{NameDNSResponse, "a DNS response arrived; Network.DNS holds rcode and answers", fromEBPF},
	{NameCNIAdd, "a CNI plugin ran ADD to attach a pod sandbox to the network", fromCNI},
	{NameCNIDel, "a CNI plugin ran DEL to detach a pod sandbox", fromCNI},
	{NameCNICheck, "a CNI plugin ran CHECK on an attached sandbox", fromCNI},
	{NameCNIGC, "a CNI plugin ran GC to release stale attachments", fromCNI},
	{NameCNIStatus, "a CNI plugin ran STATUS to report readiness", fromCNI},
	{NameCNILog, "a CNI plugin log line not tied to one operation", fromCNI},
	{NameUnitState, "a systemd unit changed active or sub state", fromSystemd},
	{NameJournalEntry, "a journal entry worth reporting (error priority or a watched unit)", fromSystemd},
	{NameK8sEvent, "a Kubernetes Event object (reason, message, involved object)", fromK8s},
	{NameK8sObject, "a watched Kubernetes object was added, changed or deleted", fromK8s},
	{NameLoss, "a source lost records upstream; Loss counts them", fromReceiver},
	{NameIncident, "the correlation connector's explanation of related events", []string{SourceCorrelation}},
}

var known = func() map[Name]struct{} {
	m := make(map[Name]struct{}, len(catalogue))
	for _, info := range catalogue {
		m[info.Name] = struct{}{}
	}
	return m
}()

// Catalogue lists every known event name sorted by name. The result is a
// fresh copy, so callers may keep or change it.
func Catalogue() []NameInfo {
	out := make([]NameInfo, len(catalogue))
	for i, info := range catalogue {
		info.Sources = slices.Clone(info.Sources)
		out[i] = info
	}
	slices.SortFunc(out, func(a, b NameInfo) int { return strings.Compare(string(a.Name), string(b.Name)) })
	return out
}

// Known reports whether n is in the catalogue. FromLogRecord accepts unknown
// names, since a newer writer may add names without bumping the version.
func (n Name) Known() bool {
	_, ok := known[n]
	return ok
}
