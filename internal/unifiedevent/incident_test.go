package unifiedevent

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

func incidentRecord(t *testing.T) plog.LogRecord {
	t.Helper()
	e := envelope(NameIncident, SourceCorrelation, "")
	e.Incident = incidentPart()
	lr := plog.NewLogRecord()
	e.WriteTo(lr)
	return lr
}

func TestIncidentConfidenceOutOfRange(t *testing.T) {
	for _, bad := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		lr := incidentRecord(t)
		v, ok := lr.Body().Map().Get("incident")
		require.True(t, ok)
		v.Map().PutDouble("confidence", bad)
		_, err := FromLogRecord(lr)
		require.ErrorIs(t, err, ErrMalformed, "confidence %v", bad)
		require.ErrorContains(t, err, "body.incident.confidence")
	}
}

// A JSON hop can turn confidence 1.0 into the integer 1; it must still read.
func TestIncidentConfidenceAcceptsInt(t *testing.T) {
	lr := incidentRecord(t)
	v, _ := lr.Body().Map().Get("incident")
	v.Map().PutInt("confidence", 1)
	e, err := FromLogRecord(lr)
	require.NoError(t, err)
	require.InDelta(t, 1.0, e.Incident.Confidence, 0)
}

func TestIncidentConfidenceWrongType(t *testing.T) {
	lr := incidentRecord(t)
	v, _ := lr.Body().Map().Get("incident")
	v.Map().PutStr("confidence", "high")
	_, err := FromLogRecord(lr)
	require.ErrorIs(t, err, ErrMalformed)
}
