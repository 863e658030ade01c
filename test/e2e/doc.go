// Package e2e runs the built otelcol-tapio binary as root on this host,
// with the agent's receivers pointed at real parts (the kernel, a systemd
// booted in nspawn, a kube-apiserver, CNI log files), causes real trouble
// and checks what the file exporter wrote.
package e2e
