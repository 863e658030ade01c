package ebpf

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// kernelCost runs load b.N times with the kernel's BPF run-time stats on and
// reports the average time one run of program took, in ns/event.
func kernelCost(b *testing.B, cfg Config, program string, load func()) {
	p := openProbe(b, cfg)
	collect(b, p) // keep the ring drained so every run does its full work
	stats, err := EnableRunStats()
	if err != nil {
		b.Skipf("kernel refuses BPF run-time stats: %v", err)
	}
	defer stats.Close()
	before := programStats(b, p, program)
	b.ResetTimer()
	for range b.N {
		load()
	}
	b.StopTimer()
	after := programStats(b, p, program)
	runs := after.RunCount - before.RunCount
	if runs == 0 {
		b.Fatalf("%s never ran", program)
	}
	b.ReportMetric(float64(after.RunTime-before.RunTime)/float64(runs), "ns/event")
	b.ReportMetric(float64(runs)/float64(b.N), "events/op")
}

func programStats(b *testing.B, p *Probe, program string) ProgramStats {
	all, err := p.ProgramStats()
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range all {
		if s.Program == program {
			return s
		}
	}
	b.Fatalf("program %s is not attached", program)
	return ProgramStats{}
}

// BenchmarkKernelExec measures the exec program as shipped (the default
// 256 argv bytes), at the most argv it can read, and with none: reading
// argv is the one step that touches the new process's memory, which some
// virtual machines make dear (see BenchmarkKernelFloor).
func BenchmarkKernelExec(b *testing.B) {
	for _, argv := range []int{DefaultConfig().ArgvBytes, MaxArgvBytes, 0} {
		b.Run("argv="+strconv.Itoa(argv), func(b *testing.B) {
			cfg := configFor(wire.TypeExec)
			cfg.ArgvBytes = argv
			kernelCost(b, cfg, tapioProgTapioExec, func() {
				if err := exec.Command("/bin/true").Run(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkKernelTCPState(b *testing.B) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	kernelCost(b, configFor(wire.TypeTCPState), tapioProgTapioTcpState, func() {
		c, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	})
}

// BenchmarkRingRead measures the user side alone: one op reads one sample
// with ReadInto and parses its header. DNS sends over loopback refill a
// 64 MiB ring, with the timer stopped, whenever it runs dry, so the kernel
// side is not in the figure. events/s is for one reading goroutine.
func BenchmarkRingRead(b *testing.B) {
	cfg := configFor(wire.TypeDNS)
	cfg.RingSize = 64 << 20
	p := openProbe(b, cfg)

	server, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53})
	if err != nil {
		b.Skipf("bind 127.0.0.1:53: %v", err)
	}
	defer server.Close()
	client, err := net.DialUDP("udp4", nil, server.LocalAddr().(*net.UDPAddr))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	query := dnsQuery(1, "tapio", "test")
	// Each send makes an egress and an ingress event; the server never
	// reads, so its socket drops datagrams once full, after the hook ran.
	fill := func() {
		for range 20_000 {
			_, _ = client.Write(query)
		}
	}

	rd := p.Reader()
	// A past deadline makes ReadInto return what is there, then
	// ErrDeadlineExceeded when the ring is empty, without blocking.
	rd.SetDeadline(time.Now())
	var rec Record
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := rd.ReadInto(&rec)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.StopTimer()
			fill()
			b.StartTimer()
			i--
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wire.ParseHeader(rec.RawSample); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lost, _ := p.LostCounts()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(lost[wire.TypeDNS]), "lost")
}
