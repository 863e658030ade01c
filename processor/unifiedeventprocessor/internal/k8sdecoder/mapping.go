package k8sdecoder

import (
	"fmt"
	"strings"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// failingWaits are the waiting reasons that mean a container cannot run,
// as opposed to ContainerCreating or PodInitializing on the way up.
var failingWaits = map[string]bool{
	"CrashLoopBackOff": true, "ImagePullBackOff": true, "ErrImagePull": true,
	"CreateContainerConfigError": true, "CreateContainerError": true,
	"InvalidImageName": true, "RunContainerError": true, "PreStartHookError": true,
	"PostStartHookError": true,
}

// workloads are the kinds that name a workload in Event.K8s.
var workloads = map[string]bool{
	"Deployment": true, "ReplicaSet": true, "StatefulSet": true,
	"DaemonSet": true, "Job": true, "CronJob": true,
}

func mapEvent(ev *unifiedevent.Event, o *object) error {
	ev.Name = unifiedevent.NameK8sEvent
	ref, msg, count := o.InvolvedObject, o.Message, o.Count
	if ref == nil { // events.k8s.io/v1 names the fields differently
		ref, msg, count = o.Regarding, o.Note, o.DeprecatedCount
	}
	if count == 0 && o.Series != nil {
		if err := nonNegative("series.count", o.Series.Count); err != nil {
			return err
		}
		count = o.Series.Count
	}
	if ref == nil {
		ref = &reference{}
	}
	info := &unifiedevent.K8sEvent{
		Type: o.Type, Message: msg, Count: count,
		InvolvedKind: ref.Kind, InvolvedNamespace: ref.Namespace, InvolvedName: ref.Name, InvolvedUID: ref.UID,
		Reporter: firstOf(o.ReportingComponent, o.Source.Component, o.ReportingController),
		Host:     firstOf(o.Source.Host, o.DeprecatedSource.Host),
	}
	ev.K8sObject.Event = info
	subject := &unifiedevent.K8s{Namespace: ref.Namespace, Reason: o.Reason}
	switch {
	case ref.Kind == "Pod":
		subject.PodName, subject.PodUID, subject.NodeName = ref.Name, ref.UID, info.Host
	case ref.Kind == "Node":
		subject.NodeName = ref.Name
	case workloads[ref.Kind]:
		subject.WorkloadKind, subject.WorkloadName = ref.Kind, ref.Name
	case ref.Kind == "Service":
		subject.Services = []string{ref.Name}
	}
	ev.K8s = subject
	sev := decode.SeverityInfo
	if o.Type == "Warning" {
		sev = decode.SeverityWarn
	}
	sev.Set(ev)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", firstOf(o.Type, "Event"), firstOf(o.Reason, "(no reason)"), objectName(ref.Kind, ref.Namespace, ref.Name))
	if msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	if count > 1 {
		fmt.Fprintf(&b, " (x%d)", count)
	}
	ev.Message = b.String()
	return nil
}

func mapPod(ev *unifiedevent.Event, o *object, change string) error {
	obj := ev.K8sObject
	obj.Phase = o.Status.Phase
	obj.Conditions = conditions(o)
	subject := &unifiedevent.K8s{
		PodUID: o.Metadata.UID, PodName: o.Metadata.Name, Namespace: o.Metadata.Namespace,
		NodeName: o.Spec.NodeName,
	}
	subject.WorkloadKind, subject.WorkloadName = workload(o)
	sev, worst := decode.SeverityInfo, ""
	found := func(s decode.Severity, reason, container string) {
		if s.Number > sev.Number {
			sev, subject.Reason, subject.ContainerName = s, reason, container
			worst = reason
			if container != "" {
				worst = "container " + container + " " + reason
			}
		}
	}
	statuses := append(append([]containerStatus(nil), o.Status.InitContainerStatuses...), o.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if err := nonNegative("restartCount", cs.RestartCount); err != nil {
			return err
		}
		c := unifiedevent.K8sContainer{Name: cs.Name, Restarts: cs.RestartCount}
		switch st := cs.State; {
		case st.Terminated != nil:
			c.State, c.Reason, c.ExitCode = "terminated", st.Terminated.Reason, &st.Terminated.ExitCode
			if st.Terminated.Reason == "OOMKilled" {
				found(decode.SeverityError, "OOMKilled", cs.Name)
			} else if st.Terminated.ExitCode != 0 {
				found(decode.SeverityWarn, firstOf(st.Terminated.Reason, "Error"), cs.Name)
			}
		case st.Waiting != nil:
			c.State, c.Reason = "waiting", st.Waiting.Reason
			if failingWaits[st.Waiting.Reason] {
				found(decode.SeverityWarn, st.Waiting.Reason, cs.Name)
			}
		case st.Running != nil:
			c.State = "running"
		}
		if last := cs.LastState.Terminated; last != nil {
			c.LastReason, c.LastExitCode = last.Reason, &last.ExitCode
			if last.Reason == "OOMKilled" {
				found(decode.SeverityWarn, "OOMKilled", cs.Name)
			}
		}
		obj.Containers = append(obj.Containers, c)
	}
	if o.Status.Phase == "Failed" {
		found(decode.SeverityError, firstOf(o.Status.Reason, "Failed"), "")
	} else if o.Status.Reason != "" {
		found(decode.SeverityWarn, o.Status.Reason, "")
	}
	ev.K8s = subject
	sev.Set(ev)
	msg := fmt.Sprintf("%s %s: %s", objectName("Pod", o.Metadata.Namespace, o.Metadata.Name), change, firstOf(o.Status.Phase, "phase unknown"))
	if worst != "" {
		msg += "; " + worst
	}
	for _, c := range obj.Containers {
		if c.Name == subject.ContainerName && c.LastExitCode != nil && c.LastReason != "" {
			msg += fmt.Sprintf(" (last exit %d %s, %d restarts)", *c.LastExitCode, c.LastReason, c.Restarts)
		}
	}
	ev.Message = msg
	return nil
}

func mapNode(ev *unifiedevent.Event, o *object, change string) {
	ev.K8sObject.Conditions = conditions(o)
	subject := &unifiedevent.K8s{NodeName: o.Metadata.Name}
	sev := decode.SeverityInfo
	var bad []string
	for _, c := range ev.K8sObject.Conditions {
		// Ready is the one condition whose healthy value is True.
		// Ready is healthy when True, the pressure conditions when False;
		// an Unknown Ready means the node stopped reporting.
		healthy := c.Status == "True"
		if c.Type != "Ready" {
			healthy = c.Status != "True"
		}
		if healthy {
			continue
		}
		sev = worse(sev, decode.SeverityWarn)
		if subject.Reason == "" {
			subject.Reason = firstOf(c.Reason, c.Type)
		}
		bad = append(bad, fmt.Sprintf("%s=%s", c.Type, c.Status))
	}
	ev.K8s = subject
	sev.Set(ev)
	ev.Message = fmt.Sprintf("Node %s %s", o.Metadata.Name, change)
	if len(bad) > 0 {
		ev.Message += ": " + strings.Join(bad, ", ")
		if subject.Reason != "" {
			ev.Message += " (" + subject.Reason + ")"
		}
	}
}

func mapOther(ev *unifiedevent.Event, o *object, change string) {
	subject := &unifiedevent.K8s{Namespace: o.Metadata.Namespace}
	switch {
	case workloads[o.Kind]:
		subject.WorkloadKind, subject.WorkloadName = o.Kind, o.Metadata.Name
	case o.Kind == "Service":
		subject.Services = []string{o.Metadata.Name}
	}
	ev.K8s = subject
	decode.SeverityInfo.Set(ev)
	ev.Message = fmt.Sprintf("%s %s", objectName(o.Kind, o.Metadata.Namespace, o.Metadata.Name), change)
}

func conditions(o *object) []unifiedevent.K8sCondition {
	var out []unifiedevent.K8sCondition
	for _, c := range o.Status.Conditions {
		out = append(out, unifiedevent.K8sCondition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
	}
	return out
}

// workload is a pod's top-level owner as far as the pod itself tells: a
// ReplicaSet whose name is its Deployment's plus the pod-template-hash is
// that Deployment, as the Deployment controller names them; the owner as
// written otherwise (the enrichment processor knows the full chain).
func workload(o *object) (kind, name string) {
	kind, name = owner(o)
	if hash := o.Metadata.Labels["pod-template-hash"]; kind == "ReplicaSet" && hash != "" {
		if d, ok := strings.CutSuffix(name, "-"+hash); ok && d != "" {
			return "Deployment", d
		}
	}
	return kind, name
}

func objectName(kind, ns, name string) string {
	kind = firstOf(kind, "object")
	if ns == "" {
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
