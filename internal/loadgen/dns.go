package loadgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// NXPrefix marks names the responder answers with NXDOMAIN; every other
// name gets one A record.
const NXPrefix = "nx-"

// DNSResponder is a minimal authoritative server on UDP port 53 of a
// loopback address: the kernel hooks capture DNS by port, so the port must
// be the real one, and a local server keeps the test off the network.
type DNSResponder struct {
	conn *net.UDPConn
	done sync.WaitGroup
}

// ListenDNS binds port 53 on 127.0.0.1, or 127.53.53.53 when a local
// resolver holds the first; binding needs root.
func ListenDNS() (*DNSResponder, error) {
	var errs []error
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 53, 53, 53)} {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: 53})
		if err == nil {
			r := &DNSResponder{conn: c}
			r.done.Add(1)
			go r.serve()
			return r, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("listen dns: no loopback address has UDP port 53 free: %w", errors.Join(errs...))
}

// Addr is where queries go.
func (r *DNSResponder) Addr() *net.UDPAddr { return r.conn.LocalAddr().(*net.UDPAddr) }

// Close stops the responder and waits for it.
func (r *DNSResponder) Close() error {
	err := r.conn.Close()
	r.done.Wait()
	return err
}

func (r *DNSResponder) serve() {
	defer r.done.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if reply := Answer(buf[:n]); reply != nil {
			_, _ = r.conn.WriteToUDP(reply, from)
		}
	}
}

// Query encodes a recursive query for name (type A, class IN), RFC 1035.
func Query(id uint16, name string) []byte {
	b := binary.BigEndian.AppendUint16(make([]byte, 0, 32+len(name)), id)
	b = append(b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	return append(b, 0, 0, 1, 0, 1) // root; type A; class IN
}

// Answer builds the reply to query: NXDOMAIN for names starting with
// NXPrefix, else one A record (127.0.0.2). Nil for what is not a query.
func Answer(query []byte) []byte {
	if len(query) < 17 || query[2]&0x80 != 0 {
		return nil
	}
	reply := append([]byte(nil), query...)
	nx := len(query) > 13+len(NXPrefix) && string(query[13:13+len(NXPrefix)]) == NXPrefix
	if nx {
		reply[2], reply[3] = 0x81, 0x83 // QR, RD; RA, NXDOMAIN
		return reply
	}
	reply[2], reply[3] = 0x81, 0x80 // QR, RD; RA, NOERROR
	reply[7] = 1                    // one answer
	reply = append(reply, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
	return append(reply, 127, 0, 0, 2)
}

// Resolve sends one query for name to server over conn and waits for the
// answer, returning its response code (0 NOERROR, 3 NXDOMAIN).
func Resolve(conn *net.UDPConn, id uint16, name string, timeout time.Duration) (int, error) {
	if _, err := conn.Write(Query(id, name)); err != nil {
		return 0, fmt.Errorf("resolve %s: %w", name, err)
	}
	buf := make([]byte, 1500)
	if err := conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, fmt.Errorf("resolve %s: %w", name, err)
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return 0, fmt.Errorf("resolve %s: %w", name, err)
		}
		if n >= 4 && binary.BigEndian.Uint16(buf) == id {
			return int(buf[3] & 0x0f), nil
		}
	}
}
