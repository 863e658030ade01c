package wire

import "encoding/binary"

// sample builds a wire sample the way the kernel lays it out, for tests.
type sample []byte

func newSample(t Type, size int) sample {
	s := make(sample, size)
	binary.LittleEndian.PutUint64(s[0:], 123456789)
	binary.LittleEndian.PutUint64(s[8:], 4242)
	binary.LittleEndian.PutUint32(s[16:], uint32(t))
	binary.LittleEndian.PutUint32(s[20:], 100)
	binary.LittleEndian.PutUint32(s[24:], 101)
	copy(s[32:48], "bash")
	return s
}

func (s sample) u16(off int, v uint16) sample { binary.LittleEndian.PutUint16(s[off:], v); return s }
func (s sample) u32(off int, v uint32) sample { binary.LittleEndian.PutUint32(s[off:], v); return s }
func (s sample) u64(off int, v uint64) sample { binary.LittleEndian.PutUint64(s[off:], v); return s }
func (s sample) put(off int, b []byte) sample { copy(s[off:], b); return s }

func execSample(argv string) sample {
	s := newSample(TypeExec, ExecFixedSize+len(argv))
	return s.u32(48, 1).u32(52, 1000).u32(56, 1001).u32(60, 0xEFFFFFFC).u32(64, 0xEFFFFFFB).
		u32(68, uint32(len(argv))).put(72, []byte("/usr/bin/curl")).put(ExecFixedSize, []byte(argv))
}

func tcpSample(t Type) sample {
	s := newSample(t, TCPSize)
	return s.u64(48, 77).u64(56, 88).u16(64, afInet).u16(66, 6).u16(68, 40000).u16(70, 443).
		put(72, []byte{10, 0, 0, 1}).put(88, []byte{10, 0, 0, 2}).u32(104, TCPSynSent).u32(108, TCPEstablished)
}

func dnsSample(payload []byte) sample {
	s := newSample(TypeDNS, DNSFixedSize+len(payload))
	s[28] = byte(FlagEgress)
	ip6 := make([]byte, 16)
	ip6[15] = 1
	return s.u64(48, 5).u32(56, 1).u16(60, afInet6).u16(62, 5353).u16(64, 53).
		u16(66, uint16(len(payload))).u16(68, uint16(len(payload))).put(72, ip6).put(88, ip6).
		put(DNSFixedSize, payload)
}
