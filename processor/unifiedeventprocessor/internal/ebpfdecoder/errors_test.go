package ebpfdecoder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/ebpfdecoder"
)

// validSamples has one well-formed sample per kind, in kinds order.
func validSamples(t testing.TB) [][]byte {
	reset := curlConnect()
	reset.typ, reset.flags = typeTCPReset, flagResetSent
	retrans := curlConnect()
	retrans.typ, retrans.newState, retrans.oldState = typeTCPRetrans, tcpEstablished, tcpEstablished
	return [][]byte{
		curlExec().bytes(),
		exitSample{hdr: hdr{cgroup: 8412, pid: 4242, comm: "curl"}, ppid: 1, exitCode: 3 << 8}.bytes(),
		javaOOM().bytes(),
		curlConnect().bytes(),
		reset.bytes(),
		retrans.bytes(),
		egressQuery(t).bytes(),
	}
}

func TestRegisterCoversEveryKind(t *testing.T) {
	r := decode.NewRegistry()
	require.NoError(t, ebpfdecoder.Register(r))
	for typ := wire.Type(1); typ < wire.TypeMax; typ++ {
		assert.Equal(t, kinds[typ-1], wire.Kind(typ), "test table follows the wire types")
		_, ok := r.Lookup("ebpf", wire.Kind(typ))
		assert.True(t, ok, wire.Kind(typ))
	}
	require.Error(t, ebpfdecoder.Register(r), "registering twice is refused by the registry")
}

func TestWrongVersion(t *testing.T) {
	for i, kind := range kinds {
		for _, v := range []string{"", "2", "01", "1.0", "v1"} {
			_, err := decoder(t, kind).Decode(decode.Raw{Source: "ebpf", Kind: kind, Version: v, Body: validSamples(t)[i]})
			require.ErrorIs(t, err, decode.ErrUnsupportedVersion, "%s version %q", kind, v)
			assert.Contains(t, err.Error(), "ebpf "+kind+": ")
		}
	}
}

// Every sample handed to every other kind's decoder is refused, including
// the three TCP kinds that share one layout.
func TestKindMismatch(t *testing.T) {
	samples := validSamples(t)
	for i, kind := range kinds {
		for j, body := range samples {
			if i == j {
				continue
			}
			_, err := decodeAs(t, kind, body)
			require.ErrorIs(t, err, ebpfdecoder.ErrKindMismatch, "%s sample to the %s decoder", kinds[j], kind)
			assert.Contains(t, err.Error(), "ebpf "+kind+": ")
		}
	}
}

// Every prefix of every valid sample is an error, never a panic or a half
// event; past the header it is a truncation.
func TestTruncatedSamples(t *testing.T) {
	for i, body := range validSamples(t) {
		for n := range len(body) {
			ev, err := decodeAs(t, kinds[i], body[:n])
			require.ErrorIs(t, err, wire.ErrTruncated, "%s cut at %d", kinds[i], n)
			require.Nil(t, ev)
		}
	}
}

func TestMalformedSamples(t *testing.T) {
	bad := func(kind string, body []byte, target error) {
		t.Helper()
		ev, err := decodeAs(t, kind, body)
		require.ErrorIs(t, err, target, kind)
		require.Nil(t, ev)
	}
	t.Run("garbage dns payload", func(t *testing.T) {
		s := egressQuery(t)
		s.payload = []byte("hello") // shorter than a DNS header
		bad("dns", s.bytes(), ebpfdecoder.ErrMalformed)
		s.payload = []byte{0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x40, 'x', 'y'} // label runs off the end
		bad("dns", s.bytes(), ebpfdecoder.ErrMalformed)
		s.payload = []byte{0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1} // pointer loop
		bad("dns", s.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("dns query without a question", func(t *testing.T) {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 1})
		msg, err := b.Finish()
		require.NoError(t, err)
		s := egressQuery(t)
		s.payload = msg
		bad("dns", s.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("dns cut inside the question", func(t *testing.T) {
		s := egressQuery(t)
		s.payload, s.flags = s.payload[:20], s.flags|flagTruncated
		bad("dns", s.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("unknown address family", func(t *testing.T) {
		s := curlConnect()
		s.family = 1 // AF_UNIX
		bad("tcp.state", s.bytes(), ebpfdecoder.ErrMalformed)
		d := egressQuery(t)
		d.family = 0
		bad("dns", d.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("unknown tcp state", func(t *testing.T) {
		s := curlConnect()
		s.oldState = 0
		bad("tcp.state", s.bytes(), ebpfdecoder.ErrMalformed)
		s.oldState, s.newState = tcpClose, 13
		bad("tcp.state", s.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("ids beyond int64", func(t *testing.T) {
		e := curlExec()
		e.cgroup = 1 << 63
		bad("process.exec", e.bytes(), ebpfdecoder.ErrMalformed)
		o := javaOOM()
		o.victimCgroup = 1 << 63
		bad("oom.kill", o.bytes(), ebpfdecoder.ErrMalformed)
		o = javaOOM()
		o.anon = 1 << 62
		bad("oom.kill", o.bytes(), ebpfdecoder.ErrMalformed)
		o = javaOOM()
		o.anon, o.file = 1<<63, 1<<63
		bad("oom.kill", o.bytes(), ebpfdecoder.ErrMalformed)
	})
	t.Run("argv_len past the buffer", func(t *testing.T) {
		b := curlExec().bytes()
		le.PutUint32(b[68:], 513)
		bad("process.exec", b, wire.ErrMalformed)
	})
	t.Run("unknown type", func(t *testing.T) {
		b := curlExec().bytes()
		le.PutUint32(b[16:], 99)
		bad("process.exec", b, wire.ErrUnknownType)
	})
}

// Every kernel TCP state has a network.connection.state name.
func TestEveryTCPStateHasAConventionName(t *testing.T) {
	semconvStates := map[string]bool{
		"closed": true, "close_wait": true, "closing": true, "established": true, "fin_wait_1": true,
		"fin_wait_2": true, "last_ack": true, "listen": true, "syn_received": true, "syn_sent": true, "time_wait": true,
	}
	s := curlConnect()
	s.sport = 1
	for state := uint32(1); wire.TCPStateName(state) != ""; state++ {
		s.oldState, s.newState = tcpClose, state
		if state == tcpClose {
			s.oldState = tcpEstablished
		}
		ev := mustDecode(t, "tcp.state", s.bytes())
		assert.True(t, semconvStates[ev.Network.State], "%s -> %q", wire.TCPStateName(state), ev.Network.State)
	}
}
