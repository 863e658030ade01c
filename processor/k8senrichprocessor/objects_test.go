package k8senrichprocessor

import (
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// The workload objects are created as their controllers would leave them;
// the harness runs no controller manager, so the test makes the
// ReplicaSet and Job and their owner references itself.

func template(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			Containers:    []corev1.Container{{Name: "main", Image: "busybox"}},
			RestartPolicy: corev1.RestartPolicyAlways,
		},
	}
}

func controllerRef(gvk schema.GroupVersionKind, m metav1.Object) metav1.OwnerReference {
	return *metav1.NewControllerRef(m, gvk)
}

// deploymentPod makes Deployment name, its ReplicaSet and an unscheduled
// pod of it (the caller sets the node and runs it).
func (e *env) deploymentPod(name string, labels map[string]string) *corev1.Pod {
	ctx, c := e.t.Context(), e.client
	sel := &metav1.LabelSelector{MatchLabels: labels}
	d, err := c.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       appsv1.DeploymentSpec{Selector: sel, Template: template(labels)},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-7d9f8c6b5",
			OwnerReferences: []metav1.OwnerReference{controllerRef(appsv1.SchemeGroupVersion.WithKind("Deployment"), d)}},
		Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: template(labels)},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		GenerateName: rs.Name + "-", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{controllerRef(appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), rs)},
	}}
}

// cronJobPod makes CronJob name, a Job of it and an unscheduled pod.
func (e *env) cronJobPod(name string) *corev1.Pod {
	ctx, c := e.t.Context(), e.client
	tpl := template(map[string]string{"job": name})
	tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	cj, err := c.BatchV1().CronJobs("default").Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tpl}}},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	job, err := c.BatchV1().Jobs("default").Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-29412345",
			OwnerReferences: []metav1.OwnerReference{controllerRef(batchv1.SchemeGroupVersion.WithKind("CronJob"), cj)}},
		Spec: batchv1.JobSpec{Template: tpl},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		GenerateName:    job.Name + "-",
		OwnerReferences: []metav1.OwnerReference{controllerRef(batchv1.SchemeGroupVersion.WithKind("Job"), job)},
	}}
}

// statefulSetPod makes StatefulSet name and its pod name-0.
func (e *env) statefulSetPod(name string, labels map[string]string) *corev1.Pod {
	ss, err := e.client.AppsV1().StatefulSets("default").Create(e.t.Context(), &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{ServiceName: name, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: template(labels)},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name + "-0", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{controllerRef(appsv1.SchemeGroupVersion.WithKind("StatefulSet"), ss)},
	}}
}

func (e *env) service(name string, selector map[string]string) *corev1.Service {
	svc, err := e.client.CoreV1().Services("default").Create(e.t.Context(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Selector: selector,
			Ports: []corev1.ServicePort{{Port: 5432}}},
	}, metav1.CreateOptions{})
	require.NoError(e.t, err)
	return svc
}

// Events as the eBPF and CNI decoders make them.

func envelope(name unifiedevent.Name, source, kind string, at time.Time) *unifiedevent.Event {
	return &unifiedevent.Event{
		ID:   unifiedevent.NewID(source, kind, at, []byte(randHex(8))),
		Name: name, Source: source, RawKind: kind, RawVersion: "1",
		Time: at, ObservedTime: at.Add(time.Millisecond),
	}
}

func execEvent(cgroup int64, at time.Time) *unifiedevent.Event {
	e := envelope(unifiedevent.NameProcessExec, "ebpf", "process.exec", at)
	e.Process = &unifiedevent.Process{PID: 4121, ParentPID: 4100, ExecutableName: "java", ExecutablePath: "/usr/bin/java"}
	e.Kernel = &unifiedevent.Kernel{CgroupID: cgroup, PIDNamespace: 4026532571}
	return e
}

func oomEvent(cgroup int64, at time.Time) *unifiedevent.Event {
	e := envelope(unifiedevent.NameOOMKill, "ebpf", "oom.kill", at)
	e.Process = &unifiedevent.Process{PID: 4121, ExecutableName: "java"}
	e.Kernel = &unifiedevent.Kernel{CgroupID: cgroup, Signal: 9,
		OOM: &unifiedevent.OOM{MemoryCgroup: "8841", RSSBytes: 66_977_792, ScoreAdj: 985}}
	return e
}

func tcpEvent(cgroup int64, local, peer string, at time.Time) *unifiedevent.Event {
	e := envelope(unifiedevent.NameTCPConnect, "ebpf", "tcp.state", at)
	e.Network = &unifiedevent.Network{Transport: "tcp", Type: "ipv4", LocalAddress: local, LocalPort: 48122,
		PeerAddress: peer, PeerPort: 5432, State: "syn_sent", OldState: "close"}
	if cgroup != 0 {
		e.Kernel = &unifiedevent.Kernel{CgroupID: cgroup}
	}
	return e
}

func dnsEvent(cgroup int64, local string, at time.Time) *unifiedevent.Event {
	e := envelope(unifiedevent.NameDNSQuery, "ebpf", "dns", at)
	e.Process = &unifiedevent.Process{PID: 5120, ExecutableName: "report"}
	e.Network = &unifiedevent.Network{Transport: "udp", Type: "ipv4", LocalAddress: local, LocalPort: 40001,
		PeerAddress: "10.96.0.10", PeerPort: 53,
		DNS: &unifiedevent.DNS{QuestionName: "db.default.svc.cluster.local", QuestionType: "A", TransactionID: 0xbeef}}
	e.Kernel = &unifiedevent.Kernel{CgroupID: cgroup}
	return e
}

func cniEvent(namespace, pod string, at time.Time) *unifiedevent.Event {
	e := envelope(unifiedevent.NameCNIAdd, "cni", "cni.line", at)
	e.K8s = &unifiedevent.K8s{PodName: pod, Namespace: namespace}
	e.CNI = &unifiedevent.CNI{Operation: "ADD", Plugin: "calico", ContainerID: randHex(32), IfName: "eth0"}
	return e
}
