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
