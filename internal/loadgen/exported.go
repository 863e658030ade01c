package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Exported is a record the collector exported, decoded back.
type Exported struct {
	Record plog.LogRecord
	// Resource is the Resource the record was exported under: where
	// tapio_k8s_enrich puts the event's pod.
	Resource pcommon.Resource
	// Event is the UnifiedEvent read back from Record; Err says why it
	// could not be, for records that are not UnifiedEvents.
	Event *unifiedevent.Event
	Err   error
}

// FileReader follows the contrib file exporter's output (format json:
// one OTLP ExportLogsServiceRequest per line) as it grows.
type FileReader struct {
	path    string
	offset  int64
	partial []byte
	json    plog.JSONUnmarshaler
}

// NewFileReader reads path from its beginning; the file may not exist yet.
func NewFileReader(path string) *FileReader { return &FileReader{path: path} }

// Next returns the records written since the last call. A line still being
// written is kept for the next call.
func (r *FileReader) Next() ([]Exported, error) {
	f, err := os.Open(r.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read exported file: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(r.offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read exported file: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read exported file: %w", err)
	}
	r.offset += int64(len(data))
	data = append(r.partial, data...)
	var out []Exported
	for {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		logs, err := r.json.UnmarshalLogs(line)
		if err != nil {
			return out, fmt.Errorf("read exported file: line is not OTLP JSON: %w", err)
		}
		out = AppendExported(out, logs)
	}
	r.partial = append([]byte(nil), data...)
	return out, nil
}

// AppendExported decodes every record of logs back into UnifiedEvents,
// each with its Resource (FromRecord).
func AppendExported(out []Exported, logs plog.Logs) []Exported {
	rls := logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				ev, err := unifiedevent.FromRecord(res, lr)
				out = append(out, Exported{Record: lr, Resource: res, Event: ev, Err: err})
			}
		}
	}
	return out
}
