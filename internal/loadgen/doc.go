// Package loadgen runs the built otelcol-tapio binary as a user would and
// drives it with real work: kernel events (exec, TCP connects, DNS
// queries), CNI log lines and journal lines, at fixed rates. It also
// watches the collector from outside (CPU and RSS from /proc, its own
// Prometheus metrics, what its exporters wrote), so the end-to-end test
// and the load benchmark measure the same process the same way.
package loadgen
