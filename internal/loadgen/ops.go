package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ExecBinary is the name of the program ExecOp runs: a copy of true(1)
// under a name no other process on the host has, so its exec and exit
// events are told apart from the host's own by path and comm.
const ExecBinary = "tapio-loadgen-true"

// ExecOp copies /bin/true into dir and returns an op that runs it once
// per call: one fork, one exec, one exit. With cgroups (cgroup v2
// directories), each run starts directly in the next of them in turn, as
// a container's process starts in its container's cgroup: the exec is
// that container's from its first instruction, so no event of it is seen
// from elsewhere. closeFn releases the cgroups' descriptors.
func ExecOp(dir string, cgroups ...string) (op Op, path string, closeFn func() error, err error) {
	return execOp("/bin/true", dir, nil, cgroups)
}

// execOp copies src to dir as ExecBinary and runs it with args.
func execOp(src, dir string, args, cgroups []string) (Op, string, func() error, error) {
	prog, err := os.ReadFile(src)
	if err != nil {
		return nil, "", nil, fmt.Errorf("exec op: %w", err)
	}
	path := filepath.Join(dir, ExecBinary)
	if err := os.WriteFile(path, prog, 0o755); err != nil {
		return nil, "", nil, fmt.Errorf("exec op: %w", err)
	}
	fds := make([]int, 0, len(cgroups))
	closeFn := func() error {
		var errs []error
		for _, fd := range fds {
			errs = append(errs, syscall.Close(fd))
		}
		fds = nil
		return errors.Join(errs...)
	}
	for _, cg := range cgroups {
		fd, err := syscall.Open(cg, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			_ = closeFn()
			return nil, "", nil, fmt.Errorf("exec op: open cgroup %s: %w", cg, err)
		}
		fds = append(fds, fd)
	}
	return func(_ int, seq uint64) error {
		cmd := exec.Command(path, args...)
		if len(fds) > 0 {
			// clone3(CLONE_INTO_CGROUP): the child is born in the cgroup
			// rather than moved there after its fork.
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fds[seq%uint64(len(fds))]}
		}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("exec %s: %w", path, err)
		}
		return nil
	}, path, closeFn, nil
}

// TCPServer accepts loopback connections and holds each until the client
// resets it.
type TCPServer struct {
	ln   *net.TCPListener
	done sync.WaitGroup
}

// ListenTCP starts a server on a free port of 127.0.0.1.
func ListenTCP() (*TCPServer, error) { return ListenTCPAt(net.IPv4(127, 0, 0, 1)) }

// ListenTCPAt starts a server on a free port of ip: any 127/8 address is
// local on Linux, so a pod's address can be given to a server here.
func ListenTCPAt(ip net.IP) (*TCPServer, error) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: ip})
	if err != nil {
		return nil, fmt.Errorf("listen tcp: %w", err)
	}
	s := &TCPServer{ln: ln}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			// Closing first would make this side the active closer and
			// leave a TIME_WAIT socket per connection; waiting for the
			// client's reset leaves none.
			s.done.Add(1)
			go func() {
				defer s.done.Done()
				var b [1]byte
				_, _ = c.Read(b[:])
				_ = c.Close()
			}()
		}
	}()
	return s, nil
}

// Port is where the server listens.
func (s *TCPServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops accepting and waits for the accept loop.
func (s *TCPServer) Close() error {
	err := s.ln.Close()
	s.done.Wait()
	return err
}

// ConnectOp returns an op that opens one connection to the server and
// resets it: the handshake and teardown are real kernel TCP state
// changes, and SO_LINGER 0 leaves no TIME_WAIT socket behind, so tens of
// thousands of connects a second do not run out of ephemeral ports.
func (s *TCPServer) ConnectOp() Op {
	addr := s.ln.Addr().(*net.TCPAddr)
	return func(int, uint64) error {
		c, err := net.DialTCP("tcp4", nil, addr)
		if err != nil {
			return fmt.Errorf("connect %s: %w", addr, err)
		}
		_ = c.SetLinger(0)
		return c.Close()
	}
}

// DNSSuffix ends every name DNSOp asks for.
const DNSSuffix = ".load.tapio.test"

// DNSName is the name DNSOp asks for in operation seq.
func DNSName(seq uint64) string { return "q" + strconv.FormatUint(seq, 36) + DNSSuffix }

// DNSOp returns an op that resolves a name of its own through server,
// one UDP socket per worker.
func DNSOp(server *net.UDPAddr, workers int) (Op, func(), error) {
	conns := make([]*net.UDPConn, workers)
	closeAll := func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}
	for i := range conns {
		c, err := net.DialUDP("udp4", nil, server)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("dns op: %w", err)
		}
		conns[i] = c
	}
	return func(worker int, seq uint64) error {
		_, err := Resolve(conns[worker], uint16(seq), DNSName(seq), 2*time.Second)
		return err
	}, closeAll, nil
}

// LineOp returns an op that writes one line per call to w; line makes the
// line for seq. Writes go through a buffer flushed every flushEvery
// lines and by the returned flush, as a logging plugin's would.
func LineOp(w io.Writer, flushEvery int, line func(seq uint64) string) (Op, func() error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var mu sync.Mutex
	var n int
	flush := func() error {
		mu.Lock()
		defer mu.Unlock()
		return bw.Flush()
	}
	return func(_ int, seq uint64) error {
		mu.Lock()
		defer mu.Unlock()
		if _, err := bw.WriteString(line(seq)); err != nil {
			return fmt.Errorf("write line: %w", err)
		}
		if n++; n%flushEvery == 0 {
			return bw.Flush()
		}
		return nil
	}, flush
}
