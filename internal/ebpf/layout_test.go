package ebpf

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// The wire decoder reads fixed offsets; these must be the offsets of the
// structs bpf2go generated from the object's BTF, i.e. what the kernel
// writes. unsafe is used here only, to read those offsets.
func TestWireLayoutMatchesBPF(t *testing.T) {
	var h tapioEventHeader
	assert.Equal(t, wire.HeaderSize, binary.Size(h))
	assert.EqualValues(t, 0, unsafe.Offsetof(h.TsNs))
	assert.EqualValues(t, 8, unsafe.Offsetof(h.CgroupId))
	assert.EqualValues(t, 16, unsafe.Offsetof(h.Type))
	assert.EqualValues(t, 20, unsafe.Offsetof(h.Pid))
	assert.EqualValues(t, 24, unsafe.Offsetof(h.Tid))
	assert.EqualValues(t, 28, unsafe.Offsetof(h.Flags))
	assert.EqualValues(t, 32, unsafe.Offsetof(h.Comm))
	assert.Equal(t, wire.CommLen, len(h.Comm))

	var ex tapioExecEvent
	assert.Equal(t, wire.ExecMaxSize, binary.Size(ex))
	assert.EqualValues(t, 48, unsafe.Offsetof(ex.Ppid))
	assert.EqualValues(t, 52, unsafe.Offsetof(ex.Uid))
	assert.EqualValues(t, 56, unsafe.Offsetof(ex.Gid))
	assert.EqualValues(t, 60, unsafe.Offsetof(ex.Pidns))
	assert.EqualValues(t, 64, unsafe.Offsetof(ex.Mntns))
	assert.EqualValues(t, 68, unsafe.Offsetof(ex.ArgvLen))
	assert.EqualValues(t, 72, unsafe.Offsetof(ex.Filename))
	assert.EqualValues(t, wire.ExecFixedSize, unsafe.Offsetof(ex.Argv))
	assert.Equal(t, wire.FilenameLen, len(ex.Filename))
	assert.Equal(t, wire.ArgvMax, len(ex.Argv))

	var x tapioExitEvent
	assert.Equal(t, wire.ExitSize, binary.Size(x))
	assert.EqualValues(t, 48, unsafe.Offsetof(x.Ppid))
	assert.EqualValues(t, 52, unsafe.Offsetof(x.ExitCode))

	var o tapioOomEvent
	assert.Equal(t, wire.OOMKillSize, binary.Size(o))
	assert.EqualValues(t, 48, unsafe.Offsetof(o.MemcgId))
	assert.EqualValues(t, 56, unsafe.Offsetof(o.VictimCgroupId))
	assert.EqualValues(t, 64, unsafe.Offsetof(o.TotalVm))
	assert.EqualValues(t, 72, unsafe.Offsetof(o.AnonRss))
	assert.EqualValues(t, 80, unsafe.Offsetof(o.FileRss))
	assert.EqualValues(t, 88, unsafe.Offsetof(o.ShmemRss))
	assert.EqualValues(t, 96, unsafe.Offsetof(o.VictimPid))
	assert.EqualValues(t, 100, unsafe.Offsetof(o.OomScoreAdj))
	assert.EqualValues(t, 104, unsafe.Offsetof(o.VictimComm))

	var tc tapioTcpEvent
	assert.Equal(t, wire.TCPSize, binary.Size(tc))
	assert.EqualValues(t, 48, unsafe.Offsetof(tc.SockCookie))
	assert.EqualValues(t, 56, unsafe.Offsetof(tc.SkCgroupId))
	assert.EqualValues(t, 64, unsafe.Offsetof(tc.Family))
	assert.EqualValues(t, 66, unsafe.Offsetof(tc.Protocol))
	assert.EqualValues(t, 68, unsafe.Offsetof(tc.Sport))
	assert.EqualValues(t, 70, unsafe.Offsetof(tc.Dport))
	assert.EqualValues(t, 72, unsafe.Offsetof(tc.Saddr))
	assert.EqualValues(t, 88, unsafe.Offsetof(tc.Daddr))
	assert.EqualValues(t, 104, unsafe.Offsetof(tc.Oldstate))
	assert.EqualValues(t, 108, unsafe.Offsetof(tc.Newstate))

	var d tapioDnsEvent
	assert.Equal(t, wire.DNSMaxSize, binary.Size(d))
	assert.EqualValues(t, 48, unsafe.Offsetof(d.SockCookie))
	assert.EqualValues(t, 56, unsafe.Offsetof(d.Ifindex))
	assert.EqualValues(t, 60, unsafe.Offsetof(d.Family))
	assert.EqualValues(t, 62, unsafe.Offsetof(d.Sport))
	assert.EqualValues(t, 64, unsafe.Offsetof(d.Dport))
	assert.EqualValues(t, 66, unsafe.Offsetof(d.PayloadLen))
	assert.EqualValues(t, 68, unsafe.Offsetof(d.CapturedLen))
	assert.EqualValues(t, 72, unsafe.Offsetof(d.Saddr))
	assert.EqualValues(t, 88, unsafe.Offsetof(d.Daddr))
	assert.EqualValues(t, wire.DNSFixedSize, unsafe.Offsetof(d.Payload))
	assert.Equal(t, wire.DNSPayloadMax, len(d.Payload))

	// Enum values and flags come from the same header.
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_EXEC, wire.TypeExec)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_EXIT, wire.TypeExit)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_OOM_KILL, wire.TypeOOMKill)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_TCP_STATE, wire.TypeTCPState)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_TCP_RESET, wire.TypeTCPReset)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_TCP_RETRANSMIT, wire.TypeTCPRetransmit)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_DNS, wire.TypeDNS)
	assert.EqualValues(t, tapioTapioEventTypeTAPIO_EVENT_MAX, wire.TypeMax)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_TRUNCATED, wire.FlagTruncated)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_EGRESS, wire.FlagEgress)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_RESET_SENT, wire.FlagResetSent)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_RESET_RECEIVED, wire.FlagResetReceived)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_NO_SOCKET, wire.FlagNoSocket)
	assert.EqualValues(t, tapioTapioEventFlagTAPIO_FLAG_FILENAME_TRUNCATED, wire.FlagFilenameTruncated)
}

func TestConfigLayout(t *testing.T) {
	assert.Equal(t, 32, binary.Size(tapioTapioConfig{}))
	assert.Equal(t, 16, binary.Size(tapioRateBucket{}))
}
