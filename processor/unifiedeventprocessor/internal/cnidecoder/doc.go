// Package cnidecoder turns the CNI receiver's log entries into UnifiedEvents:
// the CNI operation (ADD, DEL, CHECK, GC, STATUS), the plugin, the sandbox's
// container id, netns and interface, the pod, the addresses assigned and the
// error when the call failed.
//
// It reads the shapes real plugins write: Calico's logrus text, Cilium's
// logfmt and JSON, Multus, the AWS VPC CNI's zap JSON, containernetworking
// result and error JSON, klog, Go's log and crash reports, and generic
// logfmt and JSON. Every entry becomes an event: one whose shape or operation
// is not recognised is a tapio.cni.log event carrying its message and level,
// never a decode error. Only an empty entry and an unknown raw version are
// errors, so the record passes on marked with tapio.decode.error.
package cnidecoder
