// Package kubecache is the node-local Kubernetes context the enrichment
// processor reads: pods by uid, name, container id and IP (with
// time-versioned leases), Services by ClusterIP and by the pods they
// select, and the owners that turn a ReplicaSet or Job into its
// Deployment or CronJob.
//
// Objects are reduced to the few fields enrichment needs the moment they
// arrive from the API server (the reflectors write straight into the
// cache, there is no informer store beside it), so memory per pod is the
// compact form alone.
package kubecache
