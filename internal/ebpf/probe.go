package ebpf

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// Probe is the loaded object: its maps, the hooks that attached, and the
// ring-buffer reader. Nothing is pinned; Close removes it all.
type Probe struct {
	maps   tapioMaps
	progs  []*ebpf.Program
	links  []link.Link
	hooks  []HookStatus
	reader *Reader

	// cfgMu guards cfg, quiet and closed: Reconfigure and the reader's
	// switch between batched and per-sample wakeups both write the kernel
	// config, and neither that, RingFill nor a read of the counters may
	// touch a map or the ring while Close frees them (the receiver's read
	// loop flushes, and so reads the fill, and its loss loop may be
	// reading the counters, as Shutdown closes the probe).
	cfgMu  sync.Mutex
	cfg    Config
	quiet  bool
	closed bool
	// netnsCookie is the agent's network namespace, looked up once: the
	// reader rewrites the config when it turns quiet or busy.
	netnsCookie uint64

	closeOnce sync.Once
	closeErr  error
}

// Open validates cfg, loads the object, writes the config and attaches each
// enabled hook on its own. A hook that fails is recorded in Hooks and the
// others run; Open fails only when none can, with one sentence that names
// the cause (ErrNotPermitted, ErrNoBTF or ErrNoHooks).
func Open(cfg Config) (*Probe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid ebpf config: %w", err)
	}
	if err := preflight(); err != nil {
		return nil, err
	}
	// BPF memory is charged to the memcg on 5.11+; older kernels need the
	// memlock rlimit lifted.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock rlimit: %w", permissionError(err))
	}
	spec, err := loadTapio()
	if err != nil {
		return nil, err
	}
	spec.Maps[tapioMapEvents].MaxEntries = uint32(cfg.RingSize)
	reserveSize := ReserveRingSize()
	if cfg.reserveRingSize > 0 {
		reserveSize = cfg.reserveRingSize
	}
	spec.Maps[tapioMapEventsReserve].MaxEntries = uint32(reserveSize)

	p := &Probe{netnsCookie: hostNetnsCookie()}
	if err := spec.LoadAndAssign(&p.maps, nil); err != nil {
		return nil, fmt.Errorf("create eBPF maps: %w", permissionError(err))
	}
	if err := p.writeConfig(cfg); err != nil {
		p.Close()
		return nil, err
	}
	p.attach(spec, cfg, resolveCgroupPath(cfg.CgroupPath))
	if err := p.anyAttached(); err != nil {
		p.Close()
		return nil, err
	}
	rd, err := newReader(p.maps.Events, p.maps.EventsReserve, cfg, p.setQuiet)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open ring buffer reader: %w", err)
	}
	p.reader = rd
	return p, nil
}

func (p *Probe) mapsByName() map[string]*ebpf.Map {
	return map[string]*ebpf.Map{
		tapioMapBuckets:       p.maps.Buckets,
		tapioMapEvents:        p.maps.Events,
		tapioMapEventsReserve: p.maps.EventsReserve,
		tapioMapLost:          p.maps.Lost,
		tapioMapProduced:      p.maps.Produced,
		tapioMapReserved:      p.maps.Reserved,
		tapioMapScratch:       p.maps.Scratch,
		tapioMapSettings:      p.maps.Settings,
		tapioMapShed:          p.maps.Shed,
	}
}

func (p *Probe) attach(spec *ebpf.CollectionSpec, cfg Config, cgroupPath string) {
	maps := p.mapsByName()
	for _, h := range hooks {
		st := HookStatus{Name: h.name, Program: h.program, Type: h.typ}
		if cfg.enabled(h.typ) {
			st.Err = p.attachOne(spec, h, maps, cgroupPath)
			st.Attached = st.Err == nil
		}
		p.hooks = append(p.hooks, st)
	}
}

func (p *Probe) attachOne(spec *ebpf.CollectionSpec, h hook, maps map[string]*ebpf.Map, cgroupPath string) error {
	prog, err := loadProgram(spec, h.program, maps)
	if err != nil {
		return fmt.Errorf("load %s: %w", h.program, permissionError(err))
	}
	l, err := h.attach(prog, cgroupPath)
	if err != nil {
		prog.Close()
		return fmt.Errorf("attach %s to %s: %w", h.program, h.name, permissionError(err))
	}
	p.progs = append(p.progs, prog)
	p.links = append(p.links, l)
	return nil
}

// anyAttached fails when no enabled hook runs, preferring the permission
// cause when the kernel refused them all for it.
func (p *Probe) anyAttached() error {
	var first error
	allPerm := true
	for _, h := range p.hooks {
		if h.Attached {
			return nil
		}
		if h.Err == nil {
			continue
		}
		if first == nil {
			first = h.Err
		}
		allPerm = allPerm && errors.Is(h.Err, ErrNotPermitted)
	}
	if first == nil {
		return fmt.Errorf("%w: no event type is enabled", ErrNoHooks)
	}
	if allPerm {
		return ErrNotPermitted
	}
	return fmt.Errorf("%w, the first failed with: %w", ErrNoHooks, first)
}

// Hooks returns the state of every hook, enabled or not.
func (p *Probe) Hooks() []HookStatus {
	out := make([]HookStatus, len(p.hooks))
	copy(out, p.hooks)
	return out
}

// Reader returns the probe's one ring-buffer reader.
func (p *Probe) Reader() *Reader { return p.reader }

// Close stops the reader, detaches every link and frees programs and maps.
// It is safe to call more than once.
func (p *Probe) Close() error {
	p.closeOnce.Do(func() {
		p.cfgMu.Lock()
		p.closed = true
		p.cfgMu.Unlock()
		var errs []error
		if p.reader != nil {
			errs = append(errs, p.reader.Close())
		}
		for _, l := range p.links {
			errs = append(errs, l.Close())
		}
		for _, prog := range p.progs {
			errs = append(errs, prog.Close())
		}
		errs = append(errs, p.maps.Close())
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

// Reconfigure rewrites the kernel config in place: types (within the hooks
// that attached), containers-only, argv bytes and rate limits. Ring size and
// cgroup path are fixed at Open.
func (p *Probe) Reconfigure(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid ebpf config: %w", err)
	}
	return p.writeConfig(cfg)
}

// setQuiet switches the kernel between waking the reader per sample
// (quiet: only when the ring was empty, so a sparse event is read at once
// and an idle reader sleeps) and batching wakeups by WakeupBytes (busy).
func (p *Probe) setQuiet(quiet bool) error {
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.quiet == quiet {
		return nil
	}
	p.quiet = quiet
	if err := p.writeConfigLocked(p.cfg); err != nil {
		p.quiet = !quiet
		return err
	}
	return nil
}

func (p *Probe) writeConfig(cfg Config) error {
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	return p.writeConfigLocked(cfg)
}

func (p *Probe) writeConfigLocked(cfg Config) error {
	wakeup := uint32(cfg.WakeupBytes)
	if p.quiet {
		wakeup = 0
	}
	kc := tapioTapioConfig{
		EnabledTypes:    cfg.enabledMask(),
		ArgvBytes:       uint32(cfg.ArgvBytes),
		RatePerSec:      uint32(cfg.RatePerSec),
		Burst:           uint32(cfg.Burst),
		WakeupBytes:     wakeup,
		HostNetnsCookie: p.netnsCookie,
	}
	if cfg.ContainersOnly {
		kc.ContainersOnly = 1
	}
	if err := p.maps.Settings.Put(uint32(0), &kc); err != nil {
		return fmt.Errorf("write eBPF config: %w", err)
	}
	p.cfg = cfg
	return nil
}

// counts sums one per-CPU counter array by event type; after Close it
// returns ErrClosed: the map's descriptor is closed then, and its number
// may already name another file.
func (p *Probe) counts(m *ebpf.Map) ([wire.TypeMax]uint64, error) {
	var out [wire.TypeMax]uint64
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	if p.closed {
		return out, ErrClosed
	}
	var perCPU []uint64
	for t := range uint32(wire.TypeMax) {
		if err := m.Lookup(t, &perCPU); err != nil {
			return out, fmt.Errorf("read counter %d: %w", t, err)
		}
		for _, v := range perCPU {
			out[t] += v
		}
	}
	return out, nil
}

// LostCounts are the samples per type the ring buffer had no room for.
func (p *Probe) LostCounts() ([wire.TypeMax]uint64, error) { return p.counts(p.maps.Lost) }

// ShedCounts are the events per type dropped by the per-cgroup rate limit.
func (p *Probe) ShedCounts() ([wire.TypeMax]uint64, error) { return p.counts(p.maps.Shed) }

// ProducedCounts are the samples per type offered to the ring buffer;
// after draining, read + lost = produced.
func (p *Probe) ProducedCounts() ([wire.TypeMax]uint64, error) { return p.counts(p.maps.Produced) }

// ReservedCounts are the samples per type (OOM kills) the main ring had no
// room for and the reserve ring took: read, not lost, and a sign the
// reader fell behind.
func (p *Probe) ReservedCounts() ([wire.TypeMax]uint64, error) { return p.counts(p.maps.Reserved) }

// RingFill returns the bytes waiting in the ring buffer and its size.
// After Close it reports an empty ring: the ring is unmapped then.
func (p *Probe) RingFill() (used, size int) {
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	if p.closed {
		return 0, p.reader.rd.BufferSize()
	}
	return p.reader.AvailableBytes(), p.reader.rd.BufferSize()
}
