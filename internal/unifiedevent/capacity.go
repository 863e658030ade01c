package unifiedevent

// WriteTo sizes every map it fills from these counts, so each map's slice
// is allocated once at its final size. Reserving a fixed guess cost more
// than the values themselves: a pdata key/value slot is 40 bytes, cleared
// by malloc and scanned by the GC whether used or not, and a part of two
// fields in eight slots wasted 240 bytes per part per event. The counts are
// capacity hints only: what is written never depends on them
// (TestCapacityCountsMatchWrites keeps them exact).

// bodyEntries counts the body's top-level keys.
func (e *Event) bodyEntries() int {
	n := nonEmpty(e.Message)
	for _, set := range [...]bool{
		e.Process != nil, e.Container != nil, e.K8s != nil, e.Peer != nil,
		e.K8sObject != nil, e.Network != nil, e.Kernel != nil, e.Systemd != nil,
		e.CNI != nil, e.Incident != nil, e.Loss != nil, len(e.Raw) > 0,
	} {
		if set {
			n++
		}
	}
	return n
}

// laterAttrs is room WriteTo leaves for the attribute a later processor
// adds to every event (tapio_k8s_enrich's tapio.enrichment.status), so that
// one put does not double the slice.
const laterAttrs = 1

// attrEntries counts the attributes WriteTo puts, the provenance keys
// included (WriteTo takes off those the record has).
func (e *Event) attrEntries() int {
	n := 1 + nonEmpty(string(e.Name), e.ID, e.Source, e.RawKind, e.RawVersion)
	if p := e.Process; p != nil {
		n += p.fields() // the same fields as its body
	}
	if c := e.Container; c != nil {
		n += c.bodyFields()
	}
	if k := e.K8s; k != nil {
		n += nonEmpty(k.PodUID, k.PodName, k.Namespace, k.NodeName, k.ContainerName)
		if _, ok := WorkloadAttrKey(k.WorkloadKind); ok {
			n += nonEmpty(k.WorkloadName)
		}
	}
	if nw := e.Network; nw != nil {
		n += nw.attrFields()
	}
	if s := e.Systemd; s != nil {
		n += nonEmpty(s.Unit)
	}
	if i := e.Incident; i != nil {
		n += nonEmpty(i.ID, i.Rule, i.State)
	}
	return n
}

func (p *Process) fields() int {
	return nonZero(p.PID, p.ParentPID) + nonNil(p.UserID, p.ExitCode) +
		nonEmpty(p.ExecutableName, p.ExecutablePath, p.CommandLine) + boolInt(!p.StartTime.IsZero())
}

func (n *Network) bodyFields() int {
	c := nonEmpty(n.Transport, n.Type, n.LocalAddress, n.PeerAddress, n.State, n.OldState) +
		nonZero(int64(n.LocalPort), int64(n.PeerPort))
	if n.DNS != nil {
		c++
	}
	return c
}

func (n *Network) attrFields() int {
	c := nonEmpty(n.Transport, n.Type, n.LocalAddress, n.PeerAddress, n.State) +
		nonZero(int64(n.LocalPort), int64(n.PeerPort))
	if d := n.DNS; d != nil {
		c += nonEmpty(d.QuestionName) + boolInt(len(d.Answers) > 0)
	}
	return c
}

func (d *DNS) fields() int {
	return nonEmpty(d.QuestionName, d.QuestionType, d.ResponseCode) +
		boolInt(len(d.Answers) > 0) + nonZero(int64(d.TransactionID))
}

func (k *Kernel) bodyFields() int {
	return nonZero(k.CgroupID, k.PIDNamespace, k.MountNamespace, k.NetNamespace, k.Signal) +
		nonEmpty(k.CgroupPath) + boolInt(k.OOM != nil)
}

func (o *OOM) fields() int {
	return nonEmpty(o.MemoryCgroup) + nonZero(o.RSSBytes, o.MemoryLimitBytes, o.ScoreAdj)
}

func (s *Systemd) bodyFields() int {
	return nonEmpty(s.Unit, s.OldActiveState, s.ActiveState, s.SubState, s.Result, s.ExitCode,
		s.InvocationID, s.Identifier, s.Cursor) + nonZero(s.Restarts, s.ExitStatus) + nonNil(s.Priority)
}

func (c *CNI) bodyFields() int {
	return nonEmpty(c.Operation, c.Plugin, c.ContainerID, c.Netns, c.IfName, c.Result, c.Error) +
		boolInt(len(c.IPs) > 0) + nonZero(c.ErrorCode)
}

func (l *Loss) fields() int {
	return nonZero(l.Count) + nonEmpty(l.Reason, l.Kind)
}

func nonZero(v ...int64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

func nonNil(v ...*int64) int {
	n := 0
	for _, x := range v {
		if x != nil {
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
