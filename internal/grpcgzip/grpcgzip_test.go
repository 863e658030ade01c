package grpcgzip

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/encoding"
)

// The codec gRPC finds under "gzip" is this package's: gRPC's own
// registered first and was replaced.
func TestReplacesGRPCsGzip(t *testing.T) {
	c := encoding.GetCompressor(Name)
	require.NotNil(t, c)
	_, ours := c.(*codec)
	assert.True(t, ours, "gzip codec is %T", c)
}

func compress(t *testing.T, c encoding.Compressor, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := c.Compress(&buf)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func decompress(c encoding.Compressor, data []byte) ([]byte, error) {
	r, err := c.Decompress(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(r)
	if closer, ok := r.(io.Closer); ok {
		// gRPC closes what Decompress returns once it has read it.
		if cerr := closer.Close(); err == nil {
			err = cerr
		}
	}
	return out, err
}

// The stream is plain gzip both ways: what the codec writes, the standard
// library reads (as any backend does), and the other way round; pooled
// writers and readers carry nothing from one message into the next.
func TestSameFormatAsTheStandardLibrary(t *testing.T) {
	c := newCodec(Level)
	messages := [][]byte{
		[]byte(strings.Repeat(`{"k8s.pod.name":"api-7d9f8c6b5-x2x4q","event.name":"tapio.tcp.state"}`, 500)),
		[]byte("short"),
		{},
	}
	for round := range 2 {
		for i, msg := range messages {
			zipped := compress(t, c, msg)
			std, err := stdgzip.NewReader(bytes.NewReader(zipped))
			require.NoError(t, err)
			got, err := io.ReadAll(std)
			require.NoError(t, err)
			assert.Equal(t, msg, got, "round %d message %d, read by compress/gzip", round, i)

			var buf bytes.Buffer
			w := stdgzip.NewWriter(&buf)
			_, err = w.Write(msg)
			require.NoError(t, err)
			require.NoError(t, w.Close())
			got, err = decompress(c, buf.Bytes())
			require.NoError(t, err)
			assert.Equal(t, msg, got, "round %d message %d, written by compress/gzip", round, i)
		}
	}
	// Smaller than the input it came from, or the codec is not compressing.
	assert.Less(t, len(compress(t, c, messages[0])), len(messages[0])/10)
}

// A truncated or foreign stream is an error for gRPC to return, never a
// panic, and the reader it came from is still usable afterwards.
func TestBadStreamsAreErrors(t *testing.T) {
	c := newCodec(Level)
	good := compress(t, c, []byte(strings.Repeat("tapio ", 1000)))
	for name, data := range map[string][]byte{
		"empty":      {},
		"not gzip":   []byte("this is not a gzip stream"),
		"truncated":  good[:len(good)/2],
		"no trailer": good[:len(good)-4],
	} {
		_, err := decompress(c, data)
		assert.Error(t, err, name)
	}
	got, err := decompress(c, good)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("tapio ", 1000), string(got))
}
