package k8swatchreceiver

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// The status stays a recoverable error until every failing stream has
// recovered or stopped, and names all of them; nothing is reported after
// Shutdown.
func TestStatusBoardOKOnlyWhenNothingFails(t *testing.T) {
	host := &statusHost{Host: componenttest.NewNopHost()}
	var b statusBoard
	b.start(host)

	errEvents, errLease := errors.New("events refused"), errors.New("lease refused")
	b.failed("events", errEvents)
	b.failed(resourceLeases, errLease)
	last := host.last()
	require.Equal(t, componentstatus.StatusRecoverableError, last.Status())
	assert.ErrorIs(t, last.Err(), errEvents)
	assert.ErrorIs(t, last.Err(), errLease)

	b.recovered(resourceLeases)
	last = host.last()
	require.Equal(t, componentstatus.StatusRecoverableError, last.Status(), "events still fail")
	assert.ErrorIs(t, last.Err(), errEvents)
	assert.NotErrorIs(t, last.Err(), errLease)

	n := len(host.events)
	b.recovered("pods") // never failed: nothing to report
	assert.Len(t, host.events, n)

	b.stopped("events")
	assert.Equal(t, componentstatus.StatusOK, host.last().Status())

	b.failed("pods", errEvents)
	b.close()
	n = len(host.events)
	b.recovered("pods")
	assert.Len(t, host.events, n, "reported after Shutdown")
}

// Before Start there is no host and nothing to report to.
func TestStatusBoardBeforeStart(t *testing.T) {
	var b statusBoard
	b.failed("pods", errors.New("refused"))
	b.recovered("pods")
	b.close()
}
