// Package cgroups turns what the kernel reports about a process, a cgroup
// v2 id or a pid, into its cgroup path and so, through package cgroupid,
// into a pod uid and container id.
package cgroups
