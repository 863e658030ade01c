package ebpf

import "golang.org/x/sys/unix"

// hostNetnsCookie is the cookie of this process's network namespace, which
// containers_only treats as the host's (a node agent runs with the host
// network). 0 turns socket filtering off: kernels before 5.14 cannot tell.
func hostNetnsCookie() uint64 {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	if err != nil {
		return 0
	}
	return c
}
