package trimextension

import (
	"context"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/procfs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.uber.org/zap"
)

// trimExtension gives back start-up memory once, at the collector's Ready.
type trimExtension struct {
	cfg    *Config
	logger *zap.Logger

	once sync.Once
	done chan struct{} // closed when the trim has finished
}

var _ extensioncapabilities.PipelineWatcher = (*trimExtension)(nil)

func newTrimExtension(cfg *Config, logger *zap.Logger) *trimExtension {
	return &trimExtension{cfg: cfg, logger: logger, done: make(chan struct{})}
}

func (*trimExtension) Start(context.Context, component.Host) error { return nil }

// Ready trims in the background: reclaiming tens of MB takes the kernel
// tens of milliseconds, which the collector's start need not wait for.
func (e *trimExtension) Ready() error {
	e.once.Do(func() {
		go func() {
			defer close(e.done)
			e.report(e.trim())
		}()
	})
	return nil
}

func (*trimExtension) NotReady() error { return nil }

// Shutdown waits for a trim still running, so that its report is not cut
// off by the process exiting.
func (e *trimExtension) Shutdown(ctx context.Context) error {
	e.once.Do(func() { close(e.done) }) // never ready: nothing to wait for
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// trimResult is what one trim gave back, for the log.
type trimResult struct {
	before, after resident
	mappings      int   // executable mappings paged out
	executableErr error // why the executable stayed resident, if it did
	took          time.Duration
}

// resident is the process's resident set by kind, from /proc/self/status.
type resident struct {
	file, anon uint64 // bytes; zero when /proc could not be read
}

func (e *trimExtension) trim() trimResult {
	var r trimResult
	r.before = readResident()
	start := time.Now()
	// The heap first: its collection runs runtime code that the page-out
	// would otherwise have to read straight back.
	if e.cfg.Heap {
		debug.FreeOSMemory()
	}
	if e.cfg.Executable {
		r.mappings, r.executableErr = pageOutExecutable()
	}
	r.took = time.Since(start)
	r.after = readResident()
	return r
}

func (e *trimExtension) report(r trimResult) {
	if r.executableErr != nil {
		e.logger.Warn("The executable's start-up pages stay resident", zap.Error(r.executableErr))
	}
	e.logger.Info("Gave back start-up memory",
		zap.String("file_backed", mib(r.before.file)+" -> "+mib(r.after.file)),
		zap.String("anonymous", mib(r.before.anon)+" -> "+mib(r.after.anon)),
		zap.Int("executable_mappings", r.mappings),
		zap.Duration("took", r.took))
}

func readResident() resident {
	self, err := procfs.Self()
	if err != nil {
		return resident{}
	}
	st, err := self.NewStatus()
	if err != nil {
		return resident{}
	}
	return resident{file: st.RssFile, anon: st.RssAnon}
}

func mib(b uint64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}
