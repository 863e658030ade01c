package unifiedevent

import "time"

// Each field's comment starts with its body key and, after an arrow, the
// semantic-convention attribute it is also written to. Ids and counts are int64
// because OTLP integers are signed 64-bit; negative values are refused on
// read where the kernel or Kubernetes cannot produce them.

// Process is the process the event is about: the one exec'd, exited,
// OOM-killed (the victim), logging a journal entry or opening a connection.
type Process struct {
	PID       int64  // pid → process.pid
	ParentPID int64  // parent_pid → process.parent_pid
	UserID    *int64 // user_id → process.user.id (effective uid); a pointer because 0 is root, not unknown
	// executable_name → process.executable.name. From the kernel this is
	// comm, cut to 15 bytes.
	ExecutableName string
	ExecutablePath string // executable_path → process.executable.path
	CommandLine    string // command_line → process.command_line
	// start_time (RFC 3339) → process.creation.time. PIDs are reused; PID
	// plus StartTime names one process.
	StartTime time.Time
	// exit_code → process.exit.code; a pointer because 0 is a successful
	// exit, not an unknown one.
	ExitCode *int64
}

// Container is the container runtime's view of where the process runs.
type Container struct {
	ID        string // id → container.id
	Name      string // name → container.name
	ImageName string // image_name → container.image.name
	Runtime   string // runtime → container.runtime.name
}

// K8s names Kubernetes objects: the event's subject (Event.K8s) or the far
// side of a connection (Event.Peer). Peer fields have no conventions, so they
// appear only in the body under "peer".
type K8s struct {
	PodUID        string // pod_uid → k8s.pod.uid
	PodName       string // pod_name → k8s.pod.name
	Namespace     string // namespace → k8s.namespace.name
	NodeName      string // node_name → k8s.node.name
	ContainerName string // container_name → k8s.container.name
	// workload_kind, workload_name: the top-level owner (Deployment rather
	// than its ReplicaSet). For the six built-in kinds the name also goes to
	// k8s.<kind>.name; other kinds stay in the body.
	WorkloadKind string
	WorkloadName string
	// services: the Services selecting the pod. No attribute: a pod can
	// back several.
	Services []string
	// reason: a Kubernetes Event's reason (BackOff, Evicted,
	// FailedScheduling), the field failures are grouped by.
	Reason string
}

// Kernel holds what only the kernel knows: cgroup and namespace identity,
// which tie a pid to a container and pod, and the details of a kill.
type Kernel struct {
	// cgroup_id: bpf_get_current_cgroup_id, the inode of the process's
	// cgroup v2 directory.
	CgroupID   int64
	CgroupPath string // cgroup_path
	// pid_ns, mnt_ns, net_ns: namespace inode numbers. net_ns joins eBPF
	// network events to the netns CNI set up for a pod.
	PIDNamespace   int64
	MountNamespace int64
	NetNamespace   int64
	// signal: the signal that ended the process (9 for an OOM kill);
	// semantic conventions have none for Linux signals.
	Signal int64
	OOM    *OOM // oom
}

// OOM describes an out-of-memory kill. The victim is the event's Process.
type OOM struct {
	// memcg: the cgroup whose limit was hit; empty for a system-wide OOM,
	// which points at the node rather than a pod limit.
	MemoryCgroup     string
	RSSBytes         int64 // rss_bytes: anon+file+shmem RSS of the victim
	MemoryLimitBytes int64 // memory_limit_bytes: the memcg limit, to show how close the pod ran
	ScoreAdj         int64 // oom_score_adj: -1000..1000, why this victim was chosen
}

// Systemd describes a unit state change or a journal entry. The logging
// process of a journal entry (_PID, _COMM) goes to Event.Process so it gets
// the process.* attributes.
type Systemd struct {
	Unit           string // unit → tapio.systemd.unit
	OldActiveState string // old_active_state: active, activating, failed …
	ActiveState    string // active_state
	SubState       string // sub_state: running, dead, auto-restart …
	Result         string // result: success, exit-code, signal, oom-kill, timeout …
	Restarts       int64  // restarts: NRestarts, to spot crash loops
	ExitCode       string // exit_code: ExecMainCode as text (exited, killed, dumped)
	ExitStatus     int64  // exit_status: ExecMainStatus, an exit status or signal number
	// invocation_id: one run of the unit; it joins state changes to the
	// journal entries of that run.
	InvocationID string
	// priority: journal PRIORITY 0 (emerg) … 7 (debug); a pointer because
	// 0 is emerg, not unknown.
	Priority   *int64
	Identifier string // identifier: SYSLOG_IDENTIFIER
	Cursor     string // cursor: where the entry is in the journal
}

// CNI describes one CNI plugin call or log line. The pod it was for
// (K8S_POD_NAMESPACE, K8S_POD_NAME in CNI_ARGS) goes to Event.K8s so it gets
// the k8s.* attributes and is enriched like any other event.
type CNI struct {
	Operation string // operation: CNI_COMMAND, one of ADD, DEL, CHECK, GC, STATUS
	Plugin    string // plugin: the plugin type (calico, cilium-cni, bridge …)
	// container_id: CNI_CONTAINERID, the pod sandbox id. It is not an
	// application container, so it is not container.id.
	ContainerID string
	Netns       string   // netns: CNI_NETNS path
	IfName      string   // ifname: CNI_IFNAME
	IPs         []string // ips: addresses the plugin assigned, CIDR form
	// result: success or failure when the source reports an outcome; empty
	// for a bare log line.
	Result string
	Error  string // error: the plugin's error message
	// error_code: the CNI spec code (7 invalid config, 11 try again later,
	// 100+ plugin specific).
	ErrorCode int64
}

// Loss reports records a source lost before Tapio read them, so a gap in the
// story shows up instead of looking like quiet.
type Loss struct {
	Count  int64  // count: records lost
	Reason string // reason: ring buffer full, log rotated, watch expired …
	// kind: the tapio.raw.kind of the lost records (tcp.state, cni.line),
	// so a gap can be told apart from quiet for each kind.
	Kind string
}
