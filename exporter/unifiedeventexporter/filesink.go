package unifiedeventexporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/DeRuina/timberjack"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
)

const megabyte = 1 << 20

var newline = []byte{'\n'}

// errLineTooLarge means one event is larger than the whole rotated file may
// be; no retry can write it.
var errLineTooLarge = errors.New("event larger than rotation.max_megabytes")

// fileSink appends JSON lines to a file that timberjack (the rotating
// writer the contrib file exporter uses) rotates by size and age.
type fileSink struct {
	cfg *FileConfig

	mu     sync.Mutex
	writer *timberjack.Logger
	// torn is set when a failed write left part of a line in the file
	// (a full disk): the next write ends that line first, so the retried
	// batch starts on a line of its own and only the fragment is unreadable.
	torn bool
}

func newFileSink(cfg *FileConfig) *fileSink { return &fileSink{cfg: cfg} }

func (*fileSink) name() string { return "file" }

func (s *fileSink) start(context.Context, component.Host) error {
	// Fail at start, not at the first event, when the folder is missing or
	// the file cannot be opened.
	if err := os.MkdirAll(filepath.Dir(s.cfg.Path), 0o750); err != nil {
		return fmt.Errorf("create folder of %s: %w", s.cfg.Path, err)
	}
	f, err := os.OpenFile(s.cfg.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.cfg.Path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.cfg.Path, err)
	}
	r := s.cfg.Rotation
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writer = &timberjack.Logger{
		Filename:         s.cfg.Path,
		MaxSize:          r.MaxMegabytes,
		MaxAge:           r.MaxDays,
		MaxBackups:       r.MaxBackups,
		LocalTime:        r.LocalTime,
		RotationInterval: r.Interval,
		FileMode:         0o640,
	}
	return nil
}

// write appends the batch with as few writes as rotation allows: a batch
// that fits is one write, so it never straddles two files.
func (s *fileSink) write(_ context.Context, lines []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil {
		return errors.New("file sink not started")
	}
	limit := s.cfg.Rotation.maxBytes()
	for len(lines) > 0 {
		chunk := lines
		if len(chunk) > limit {
			chunk = wholeLines(lines, limit)
			if len(chunk) == 0 {
				return consumererror.NewPermanent(fmt.Errorf("%w (%d bytes)", errLineTooLarge, limit))
			}
		}
		if s.torn {
			if _, err := s.writer.Write(newline); err != nil {
				return fmt.Errorf("end torn line in %s: %w", s.cfg.Path, err)
			}
			s.torn = false
		}
		if n, err := s.writer.Write(chunk); err != nil {
			s.torn = n > 0 && chunk[n-1] != '\n'
			return fmt.Errorf("write %s: %w", s.cfg.Path, err)
		}
		lines = lines[len(chunk):]
	}
	return nil
}

// maxBytes is the file size timberjack rotates at; it reads 0 as its
// default of 100 MB.
func (r RotationConfig) maxBytes() int {
	if r.MaxMegabytes == 0 {
		return 100 * megabyte
	}
	return r.MaxMegabytes * megabyte
}

// wholeLines returns the longest prefix of lines, ending in a newline, of
// at most limit bytes.
func wholeLines(lines []byte, limit int) []byte {
	end := bytes.LastIndexByte(lines[:limit], '\n')
	return lines[:end+1]
}

func (s *fileSink) shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil {
		return nil
	}
	err := s.writer.Close()
	s.writer = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", s.cfg.Path, err)
	}
	return nil
}
