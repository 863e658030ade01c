// Package k8sdecoder turns the tapio_k8s_watch receiver's raw records (one
// watch event: its type and the object as JSON) into UnifiedEvents: what
// the object is and who owns it, and for the objects that explain
// failures what they say: an Event's reason, type, message and involved
// object; a pod's phase, conditions and container states (restarts, the
// last termination's reason and exit code, such as OOMKilled and 137); a
// node's conditions.
package k8sdecoder
