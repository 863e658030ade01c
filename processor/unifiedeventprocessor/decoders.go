package unifiedeventprocessor

import (
	"fmt"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/ebpfdecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/k8sdecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/systemddecoder"
)

// defaultRegistry is where every source's decoder joins the processor: each
// receiver that lands adds its Register calls here.
func defaultRegistry() (*decode.Registry, error) {
	r := decode.NewRegistry()
	// Every receiver reports what it lost in the same shape.
	for _, src := range []rawrecord.Source{rawrecord.SourceEBPF, rawrecord.SourceCNI, rawrecord.SourceSystemd, rawrecord.SourceK8s} {
		if err := r.Register(string(src), rawrecord.KindLoss, decode.Func(decodeLoss)); err != nil {
			return nil, err
		}
	}
	if err := ebpfdecoder.Register(r); err != nil {
		return nil, err
	}
	if err := k8sdecoder.Register(r); err != nil {
		return nil, err
	}
	if err := cnidecoder.Register(r); err != nil {
		return nil, err
	}
	if err := systemddecoder.Register(r); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeLoss turns a receiver's loss report into a tapio.loss event, a
// warning: data that was expected is missing.
func decodeLoss(raw decode.Raw) (*unifiedevent.Event, error) {
	l, err := rawrecord.ParseLoss(raw.Body)
	if err != nil {
		return nil, err
	}
	return &unifiedevent.Event{
		Name:         unifiedevent.NameLoss,
		Severity:     decode.SeverityWarn.Number,
		SeverityText: decode.SeverityWarn.Text,
		Message:      fmt.Sprintf("%s lost %d %s records (%s) between %s and %s", raw.Source, l.Count, l.Kind, l.Reason, l.Since.Format("15:04:05.000"), l.Until.Format("15:04:05.000")),
		Loss:         &unifiedevent.Loss{Count: int64(l.Count), Reason: l.Reason, Kind: l.Kind},
	}, nil
}
