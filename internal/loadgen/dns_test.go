package loadgen

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnswerNXDOMAINForMarkedNames(t *testing.T) {
	q := Query(0x1234, NXPrefix+"abc.tapio.test")
	a := Answer(q)
	require.NotNil(t, a)
	assert.Equal(t, uint16(0x1234), binary.BigEndian.Uint16(a))
	assert.Equal(t, byte(3), a[3]&0x0f, "rcode NXDOMAIN")
	assert.Zero(t, a[7], "no answers")
	assert.Equal(t, q[12:], a[12:], "the question is echoed")
}

func TestAnswerARecordOtherwise(t *testing.T) {
	q := Query(7, "q1"+DNSSuffix)
	a := Answer(q)
	require.NotNil(t, a)
	assert.Zero(t, a[3]&0x0f, "rcode NOERROR")
	assert.Equal(t, byte(1), a[7], "one answer")
	assert.Equal(t, []byte{127, 0, 0, 2}, a[len(a)-4:])
}

func TestAnswerIgnoresWhatIsNotAQuery(t *testing.T) {
	assert.Nil(t, Answer([]byte{1, 2, 3}), "too short")
	reply := Answer(Query(1, "x.test"))
	assert.Nil(t, Answer(reply), "a response is not answered")
}

func TestQueryEncodesLabels(t *testing.T) {
	q := Query(1, "ab.c.")
	assert.Equal(t, []byte{2, 'a', 'b', 1, 'c', 0, 0, 1, 0, 1}, q[12:])
}
