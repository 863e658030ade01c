// Package cnireceiver tails the log files CNI plugins write (Calico, Cilium,
// Multus, the AWS VPC CNI and any plugin logging under /var/log/cni) and
// emits each log entry, unparsed, as a raw log record. A multi-line entry,
// such as a Go panic with its stack trace, stays one record.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package cnireceiver
