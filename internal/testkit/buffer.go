package testkit

import (
	"strings"
	"sync"
)

// SyncBuffer collects a child process's output for error messages and
// logs: os/exec copies a non-file Stdout or Stderr from its own goroutines,
// while the test reads it from another.
type SyncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
