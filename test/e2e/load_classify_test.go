package e2e

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/loadgen"
	ue "github.com/yairfalse/tapio/internal/unifiedevent"
)

// Classes of exported records the load benchmark counts. The "op" classes
// have exactly one record per generator operation, so produced and
// exported operations can be compared one to one; the others are the
// rest of the records the same operations cause (an exec's exit, a
// connection's further state changes, the DNS packets' other
// directions), timed but not matched.
const (
	classExec      = "exec"        // op: the exec of the load binary
	classExit      = "exit"        // its exit
	classConnect   = "tcp.connect" // op: SYN_SENT to the load server
	classTCP       = "tcp"         // the connection's other transitions
	classDNSQuery  = "dns.query"   // op: first sight of a load name's query
	classDNS       = "dns"         // the same query's other packets
	classCNI       = "cni"         // op: one line of the load CNI file
	classJournal   = "journal"     // op: one line the load unit wrote
	classLoss      = "loss"        // a receiver's loss report
	classIncident  = "incident"    // the correlation connector's incidents
	classOOMKill   = "oom.kill"    // an OOM kill (-load.oom-kills causes them)
	journalMarker  = " tapio load line"
	execCommLength = 15
)

// kernelClasses are the records timed from the kernel's own clock.
var kernelClasses = []string{classExec, classExit, classConnect, classTCP, classDNSQuery, classDNS}

// allLoadClasses are every class the load's records fall in.
var allLoadClasses = append([]string{classCNI, classJournal}, kernelClasses...)

// opClasses maps each generator to the class that counts its operations.
var opClasses = map[string]string{
	"exec": classExec, "tcp": classConnect, "dns": classDNSQuery, "cni": classCNI, "journal": classJournal,
}

// classifier tells the load's records from the host's. It is called by
// the sink one record at a time, so its state needs no lock.
type classifier struct {
	tcpPort     int64
	journalUnit string
	dnsNames    map[string]struct{}
}

func newClassifier(tcpPort int) *classifier {
	return &classifier{tcpPort: int64(tcpPort), dnsNames: map[string]struct{}{}}
}

func (c *classifier) classify(lr plog.LogRecord) string {
	attrs := lr.Attributes()
	name := str(attrs, ue.AttrEventName)
	switch ue.Name(name) {
	case ue.NameLoss:
		return classLoss
	case ue.NameIncident:
		return classIncident
	case ue.NameOOMKill:
		return classOOMKill
	case ue.NameProcessExec:
		if strings.HasSuffix(str(attrs, "process.executable.path"), "/"+loadgen.ExecBinary) {
			return classExec
		}
	case ue.NameProcessExit:
		if str(attrs, "process.executable.name") == loadgen.ExecBinary[:execCommLength] {
			return classExit
		}
	case ue.NameTCPConnect, ue.NameTCPState, ue.NameTCPReset, ue.NameTCPRetransmit:
		if integer(attrs, "network.peer.port") == c.tcpPort || integer(attrs, "network.local.port") == c.tcpPort {
			if ue.Name(name) == ue.NameTCPConnect && integer(attrs, "network.peer.port") == c.tcpPort {
				return classConnect
			}
			return classTCP
		}
	case ue.NameDNSQuery, ue.NameDNSResponse:
		q := strings.TrimSuffix(str(attrs, "dns.question.name"), ".")
		if !strings.HasSuffix(q, loadgen.DNSSuffix) {
			return ""
		}
		if _, seen := c.dnsNames[q]; !seen && ue.Name(name) == ue.NameDNSQuery {
			c.dnsNames[q] = struct{}{}
			return classDNSQuery
		}
		return classDNS
	case ue.NameJournalEntry:
		if str(attrs, ue.AttrSystemdUnit) == c.journalUnit && strings.Contains(bodyMessage(lr), journalMarker) {
			return classJournal
		}
	}
	if _, ok := attrs.Get("log.file.name"); ok && str(attrs, ue.AttrSource) == "" {
		// Only the filelog peer writes records without a source.
		return classFilelog
	}
	if str(attrs, ue.AttrSource) == ue.SourceCNI {
		// The benchmark's CNI folder holds only its own file.
		return classCNI
	}
	return ""
}

func str(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}

func integer(m pcommon.Map, key string) int64 {
	if v, ok := m.Get(key); ok && v.Type() == pcommon.ValueTypeInt {
		return v.Int()
	}
	return -1
}

func bodyMessage(lr plog.LogRecord) string {
	if lr.Body().Type() != pcommon.ValueTypeMap {
		return ""
	}
	return str(lr.Body().Map(), "message")
}
