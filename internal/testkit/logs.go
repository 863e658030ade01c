package testkit

import "go.opentelemetry.io/collector/pdata/plog"

// LogRecords flattens batches into their records, in order, so a test can
// search what a component emitted without walking the resource and scope
// levels each time.
func LogRecords(batches ...plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range batches {
		rls := ld.ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			sls := rls.At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					out = append(out, lrs.At(k))
				}
			}
		}
	}
	return out
}
