package cnidecoder

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

const (
	// kind is the one raw kind the CNI receiver writes for log entries;
	// its loss records are decoded by the processor itself.
	kind = "cni.line"
	// version is the cni.line layout this package reads: the entry's
	// bytes without the final line terminator.
	version = "1"
	// attrFilePath names the file an entry came from; it helps to tell the
	// plugin when the entry does not.
	attrFilePath = "log.file.path"
)

// ErrEmpty means the entry holds nothing but white space: there is no
// message to report. The receiver never emits one.
var ErrEmpty = errors.New("empty cni log entry")

// Register adds the decoder for CNI log entries to r. It is registered for
// cni.line only, not decode.AnyKind: a future kind with another payload
// must not be read as a log line.
func Register(r *decode.Registry) error {
	if err := r.Register(unifiedevent.SourceCNI, kind, decode.Func(Decode)); err != nil {
		return fmt.Errorf("register cni decoder: %w", err)
	}
	return nil
}

// Decode turns one CNI log entry into an event.
func Decode(raw decode.Raw) (*unifiedevent.Event, error) {
	if err := decode.CheckVersion(unifiedevent.SourceCNI, kind, raw.Version, version); err != nil {
		return nil, err
	}
	// One copy of the body: every string below is a substring of it.
	body := strings.TrimLeft(string(raw.Body), " \t\r\n")
	if strings.TrimSpace(body) == "" {
		return nil, fmt.Errorf("cni %s: %w", kind, ErrEmpty)
	}
	head, rest, _ := strings.Cut(body, "\n")
	head = strings.TrimRight(head, "\r")
	var path string
	if v, ok := raw.Attributes.Get(attrFilePath); ok {
		path = v.Str()
	}
	var f fields
	parse(&f, head, rest, raw.ObservedTime)
	f.fromProse()
	return f.event(path, head, raw.Scratch), nil
}

var scratchSlot = decode.NewSlot()

// parts holds an event and the parts a CNI entry fills, in one allocation
// or, when the processor lends a decode.Scratch, in none: reused entry
// after entry.
type parts struct {
	ev  unifiedevent.Event
	cni unifiedevent.CNI
	k8s unifiedevent.K8s
}

func lendParts(s *decode.Scratch) *parts {
	if s == nil {
		return new(parts)
	}
	p := s.Use(scratchSlot, func() any { return new(parts) }).(*parts)
	*p = parts{}
	return p
}

// event builds the UnifiedEvent from what the entry said.
func (f *fields) event(path, head string, s *decode.Scratch) *unifiedevent.Event {
	x := lendParts(s)
	ev := &x.ev
	ev.Time = f.time
	sev, known := severityOf(f.level)
	c := &x.cni
	*c = unifiedevent.CNI{
		Operation:   operation(f),
		Plugin:      text(plugin(f, path)),
		ContainerID: text(f.containerID),
		Netns:       text(f.netns),
		IfName:      text(f.ifName),
		IPs:         f.ips,
		ErrorCode:   f.errCode,
	}
	if c.ContainerID == "" {
		c.ContainerID = text(f.infraID)
	}
	msg := f.msg
	if msg == "" {
		msg = head
	}
	failed := f.err != "" || f.errCode > 0 || (known && sev >= plog.SeverityNumberError) ||
		(c.Operation != "" && saysFailed(msg))
	switch {
	case failed:
		c.Result = "failure"
		c.Error = clipText(firstNonEmpty(f.err, firstNonEmpty(f.line, msg)))
		if !known {
			sev = plog.SeverityNumberError // an error with no level says how bad it is anyway
		}
	case f.success || isSuccess(msg):
		c.Result = "success"
	}
	ev.Severity = sev
	ev.SeverityText = severityText[sev]
	ev.Message = clipText(msg)
	ev.Name = names[c.Operation]
	if c.Operation != "" || c.Plugin != "" || c.ContainerID != "" || c.Netns != "" || c.IfName != "" ||
		len(c.IPs) > 0 || c.Result != "" {
		ev.CNI = c
	}
	pod, ns, uid := text(f.podName), text(f.namespace), text(f.podUID)
	if pod == "" && f.workload != "" {
		pod = podFromWorkload(f.workload)
	}
	if pod != "" || ns != "" || uid != "" {
		x.k8s = unifiedevent.K8s{PodName: pod, Namespace: ns, PodUID: uid}
		ev.K8s = &x.k8s
	}
	return ev
}

var names = map[string]unifiedevent.Name{
	"":       unifiedevent.NameCNILog,
	"ADD":    unifiedevent.NameCNIAdd,
	"DEL":    unifiedevent.NameCNIDel,
	"CHECK":  unifiedevent.NameCNICheck,
	"GC":     unifiedevent.NameCNIGC,
	"STATUS": unifiedevent.NameCNIStatus,
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
