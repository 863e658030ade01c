package unifiedevent

// Network is the connection an event is about, seen from the node: local is
// the node-side socket, peer the far side.
type Network struct {
	Transport    string // transport → network.transport: tcp, udp
	Type         string // type → network.type: ipv4, ipv6
	LocalAddress string // local_address → network.local.address
	LocalPort    uint16 // local_port → network.local.port
	PeerAddress  string // peer_address → network.peer.address
	PeerPort     uint16 // peer_port → network.peer.port
	// state → network.connection.state, using the convention's TCP state
	// names (syn_sent, established, close_wait …).
	State string
	// old_state: the state before a tcp.state transition; no convention
	// exists for it.
	OldState string
	DNS      *DNS // dns
}

// DNS is a query or response observed on the wire.
type DNS struct {
	QuestionName string   // question_name → dns.question.name
	QuestionType string   // question_type: A, AAAA, SRV …
	ResponseCode string   // response_code: NOERROR, NXDOMAIN, SERVFAIL …
	Answers      []string // answers → dns.answers
	// transaction_id: pairs a response with its query.
	TransactionID uint16
}

// laterParts is room WriteTo leaves in the body for the part an enricher
// adds afterwards: tapio_k8s_enrich writes a connection's far side as the
// peer part (K8s.MergePeer) when the peer address is a pod's or a
// Service's. Without it that one put reallocates the whole body, every
// part's slot copied, for most connection events on a node.
func (e *Event) laterParts() int {
	if e.Peer == nil && e.Network != nil && e.Network.PeerAddress != "" {
		return 1
	}
	return 0
}
