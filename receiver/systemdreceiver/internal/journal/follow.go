package journal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	// ErrStart: journalctl could not be started (missing, not executable).
	ErrStart = errors.New("start journalctl")
	// ErrCursor: journalctl refused the cursor to resume from.
	ErrCursor = errors.New("journalctl refused the cursor")
	// ErrExited: journalctl ended while it should have kept following.
	ErrExited = errors.New("journalctl exited")
)

// stopGrace is how long journalctl gets to exit on SIGTERM before it is
// killed.
const stopGrace = 5 * time.Second

// Follow runs journalctl and calls fn for each line, oldest first. more
// says whether another line is already waiting: a natural end of a batch,
// found without a timer. The line is only valid during the call.
//
// It returns when journalctl exits (ErrStart, ErrCursor or ErrExited, with
// the end of its stderr), when fn fails (with fn's error), or when ctx
// ends (with ctx's error). journalctl never outlives it.
func Follow(ctx context.Context, o Options, fn func(line []byte, more bool) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(runCtx, o.Path, o.Args()...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	// The kernel ends journalctl if the collector dies without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr := &tail{limit: 1024}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: %w", ErrStart, err)
	}

	fnErr := readLines(bufio.NewReaderSize(stdout, 64<<10), fn)
	if fnErr != nil {
		cancel()
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case fnErr != nil:
		return fnErr
	case strings.Contains(stderr.String(), "cursor"):
		return fmt.Errorf("%w %q: %s", ErrCursor, o.Cursor, stderr)
	case waitErr != nil:
		return fmt.Errorf("%w: %w: %s", ErrExited, waitErr, stderr)
	default:
		return fmt.Errorf("%w: %s", ErrExited, stderr)
	}
}

// readLines reads until EOF or until fn fails. A line longer than the
// reader's buffer is gathered into one slice.
func readLines(r *bufio.Reader, fn func(line []byte, more bool) error) error {
	var long []byte
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			// A last line without its newline is journalctl cut off
			// mid-write; the cursor of the entry before it is where to
			// resume.
			return nil
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if len(line) == 0 {
			continue
		}
		if err := fn(line, r.Buffered() > 0); err != nil {
			return err
		}
	}
}

// tail keeps the end of journalctl's stderr, for the log line that says
// why it stopped.
type tail struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.limit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
