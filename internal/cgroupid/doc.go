// Package cgroupid reads a container's identity, its pod UID and container
// id, out of a cgroup path as the kubelet and the container runtimes name
// them: containerd, CRI-O and Docker, under the cgroupfs and systemd
// drivers, on cgroup v1 and v2.
package cgroupid
