package ebpfdecoder

import (
	"fmt"
	"math/bits"
	"os"
	"strconv"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// pageSize converts the kernel's rss page counts to bytes. It is this
// host's page size, right when the collector runs on the node it watches
// (the agent DaemonSet); a sample decoded on another machine with other
// pages (arm64 kernels with 16 or 64 KiB pages, decoded on amd64) would be
// scaled wrongly, since the sample does not carry the kernel's page size.
var pageSize = uint64(os.Getpagesize())

// sigKill is what the OOM killer sends; the tracepoint fires as it does.
const sigKill = 9

type oomParts struct {
	ev  unifiedevent.Event
	p   unifiedevent.Process
	k   unifiedevent.Kernel
	oom unifiedevent.OOM
}

func decodeOOMKill(b []byte, want wire.Type, s *decode.Scratch) (*unifiedevent.Event, error) {
	e, err := wire.ParseOOMKill(b)
	if err != nil {
		return nil, err
	}
	if err := checkType(e.Header, want); err != nil {
		return nil, err
	}
	cgroup, err := toInt64("victim cgroup id", e.VictimCgroupID)
	if err != nil {
		return nil, err
	}
	rss, err := rssBytes(e)
	if err != nil {
		return nil, err
	}
	x := lend(s, func(sc *scratch) *oomParts { return &sc.oom })
	x.p = unifiedevent.Process{PID: int64(e.VictimPID), ExecutableName: text(e.VictimComm)}
	x.oom = unifiedevent.OOM{RSSBytes: rss, ScoreAdj: int64(e.OOMScoreAdj)}
	if e.MemcgID != 0 {
		// The memcg's kernfs id, not its path: the id is all the kernel
		// hands over in one read, and the enrichment processor maps id to
		// path (walking the v1 memory or v2 hierarchy) with the pod. It is
		// the victim's own memcg, which may sit below the one whose limit
		// was hit (a container under its pod's limit).
		x.oom.MemoryCgroup = strconv.FormatUint(e.MemcgID, 10)
	}
	x.k = unifiedevent.Kernel{CgroupID: cgroup, Signal: sigKill, OOM: &x.oom}
	x.ev = unifiedevent.Event{Name: unifiedevent.NameOOMKill, Process: &x.p, Kernel: &x.k}
	decode.SeverityError.Set(&x.ev)

	// The header names the task that ran into the limit, which is often
	// not the victim; it has no place in Process, so the message keeps it.
	var buf [msgSize]byte
	m := append(buf[:0], "oom-kill: "...)
	m = appendProc(m, x.p.ExecutableName, e.VictimPID)
	if x.oom.MemoryCgroup != "" {
		m = append(m, " in memcg "...)
		m = append(m, x.oom.MemoryCgroup...)
	}
	m = append(m, ", rss "...)
	m = strconv.AppendFloat(m, float64(rss)/(1<<20), 'f', 1, 64)
	m = append(m, " MiB; triggered by pid "...)
	m = strconv.AppendUint(m, uint64(e.PID), 10)
	m = append(m, " ("...)
	m = append(m, text(e.Comm)...)
	m = append(m, ')')
	x.ev.Message = string(m)
	return &x.ev, nil
}

// rssBytes is anon+file+shmem pages in bytes, refusing sums no kernel
// could report rather than wrapping them into nonsense.
func rssBytes(e wire.OOMKillEvent) (int64, error) {
	pages, c1 := bits.Add64(e.AnonRSS, e.FileRSS, 0)
	pages, c2 := bits.Add64(pages, e.ShmemRSS, 0)
	hi, n := bits.Mul64(pages, pageSize)
	if c1|c2 != 0 || hi != 0 {
		return 0, fmt.Errorf("%w: rss of %d+%d+%d pages overflows", ErrMalformed, e.AnonRSS, e.FileRSS, e.ShmemRSS)
	}
	return toInt64("rss bytes", n)
}
