package unifiedevent

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Reader decodes a batch of records one at a time into one Event it owns,
// for a consumer that acts on each event and lets it go (the correlation
// connector): FromRecord allocates an Event and every part of it per
// record, which in such a consumer costs more than what it does with the
// event. A Reader reads the same keys through the same code as
// FromLogRecord and merges the Resource as FromRecord does, so the two
// agree on every field but Raw, which a Reader never copies out (a
// consumer that wants the payload has the record).
//
// The Event Read returns, its parts and Services, are valid until the next
// Read or Resource call; a caller keeps strings and values out of it, not
// pointers. A Reader is not safe for concurrent use.
type Reader struct {
	ev  Event
	buf partBuf

	// The subject of the current Resource is read on the first Read under
	// it, once for all of its records: enrichment writes one Resource per
	// pod, and most of a batch's records are skipped before any Read.
	res     pcommon.Resource
	hasRes  bool
	resRead bool
	resErr  error
	resK8s  *K8s
	resCtr  *Container
	resEv   Event
	resBufK K8s
	resBufC Container
}

// Resource sets the Resource of the records read next (a ResourceLogs'
// own): its subject fills what the bodies leave empty, as in FromRecord.
func (r *Reader) Resource(res pcommon.Resource) {
	r.res, r.hasRes, r.resRead = res, true, false
}

// Read decodes lr, body first and then the Resource given last, like
// FromRecord. Errors are FromRecord's (the body's first, then the
// Resource's), except that a malformed raw payload is not looked at.
func (r *Reader) Read(lr plog.LogRecord) (*Event, error) {
	e := &r.ev
	if err := e.read(lr, &r.buf); err != nil {
		return nil, err
	}
	if !r.resRead {
		r.readResource()
	}
	if r.resErr != nil {
		return nil, r.resErr
	}
	if r.resK8s != nil {
		if e.K8s == nil {
			e.K8s = r.buf.k8s()
			*e.K8s = K8s{}
		}
		e.K8s.fillFrom(r.resK8s)
	}
	if r.resCtr != nil {
		if e.Container == nil {
			e.Container = r.buf.container()
			*e.Container = Container{}
		}
		e.Container.fillFrom(r.resCtr)
	}
	return e, nil
}

// readResource reads the Resource's subject through FillFromResource into
// an Event of its own, so its rules (which keys, which workload wins) stay
// in one place.
func (r *Reader) readResource() {
	r.resRead = true
	r.resK8s, r.resCtr, r.resErr = nil, nil, nil
	if !r.hasRes {
		return
	}
	r.resBufK, r.resBufC = K8s{}, Container{}
	r.resEv = Event{K8s: &r.resBufK, Container: &r.resBufC}
	if r.resErr = r.resEv.FillFromResource(r.res.Attributes()); r.resErr != nil {
		return
	}
	// FillFromResource fills the K8s part only when the Resource names a
	// pod, and the Container part when it names anything of one.
	if r.resBufK.PodUID != "" || r.resBufK.PodName != "" {
		r.resK8s = &r.resBufK
	}
	if r.resBufC != (Container{}) {
		r.resCtr = &r.resBufC
	}
}

// partBuf holds one of each part for a Reader to fill again and again.
// Its methods return nil on a nil partBuf, which makes the readers allocate
// (FromLogRecord's way).
type partBuf struct {
	err         error
	body        fields
	kids        kidFields
	proc        Process
	ctr         Container
	subject     K8s
	peerK8s     K8s
	obj         K8sObject
	objEvent    K8sEvent
	net         Network
	dnsPart     DNS
	kern        Kernel
	oomPart     OOM
	systemdPart Systemd
	cniPart     CNI
	// subjectSvc and peerSvc back the K8s parts' Services across reads.
	subjectSvc, peerSvc []string
}

// keepServices keeps a Services array that grew for the next read.
func (b *partBuf) keepServices() {
	if cap(b.subject.Services) > cap(b.subjectSvc) {
		b.subjectSvc = b.subject.Services[:0]
	}
	if cap(b.peerK8s.Services) > cap(b.peerSvc) {
		b.peerSvc = b.peerK8s.Services[:0]
	}
}

func (b *partBuf) process() *Process {
	if b == nil {
		return nil
	}
	return &b.proc
}

func (b *partBuf) container() *Container {
	if b == nil {
		return nil
	}
	return &b.ctr
}

func (b *partBuf) k8s() *K8s {
	if b == nil {
		return nil
	}
	return &b.subject
}

func (b *partBuf) peer() *K8s {
	if b == nil {
		return nil
	}
	return &b.peerK8s
}

func (b *partBuf) object() *K8sObject {
	if b == nil {
		return nil
	}
	return &b.obj
}

func (b *partBuf) objectEvent() *K8sEvent {
	if b == nil {
		return nil
	}
	return &b.objEvent
}

func (b *partBuf) network() *Network {
	if b == nil {
		return nil
	}
	return &b.net
}

func (b *partBuf) dns() *DNS {
	if b == nil {
		return nil
	}
	return &b.dnsPart
}

func (b *partBuf) kernel() *Kernel {
	if b == nil {
		return nil
	}
	return &b.kern
}

func (b *partBuf) oom() *OOM {
	if b == nil {
		return nil
	}
	return &b.oomPart
}

func (b *partBuf) systemd() *Systemd {
	if b == nil {
		return nil
	}
	return &b.systemdPart
}

func (b *partBuf) cni() *CNI {
	if b == nil {
		return nil
	}
	return &b.cniPart
}
