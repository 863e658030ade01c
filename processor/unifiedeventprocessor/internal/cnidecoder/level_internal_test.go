package cnidecoder

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The layout parseTime tries first is the one that reads the timestamp, for
// each layout's shape, so a well-formed timestamp costs one parse.
func TestLikelyLayoutReadsEachShape(t *testing.T) {
	want := time.Date(2026, 12, 7, 9, 0, 0, 123000000, time.UTC)
	for i, s := range []string{
		"2026-12-07T10:00:00.123+01:00",
		"2026-12-07 08:00:00.123-01:00",
		"2026-12-07 09:00:00.123",
		"2026-12-07T09:00:00.123",
	} {
		assert.Equal(t, i, likelyLayout(s), s)
		got, err := time.Parse(layouts[likelyLayout(s)], s)
		assert.NoError(t, err, s)
		assert.True(t, want.Equal(got), s)
		assert.True(t, want.Equal(parseTime(s)), s)
	}
	assert.True(t, parseTime("2026-12-07Z").IsZero(), "no layout reads it")
}
