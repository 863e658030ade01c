package rawrecord

import (
	"errors"
	"fmt"
	"os"
)

// NodeNameEnv is the variable a DaemonSet fills from the downward API
// (spec.nodeName), the usual way an agent learns which node it runs on.
const NodeNameEnv = "NODE_NAME"

// Identity is the host a receiver runs on, written on every record's
// resource so events from many nodes stay apart downstream.
type Identity struct {
	HostName string
	NodeName string
}

// errNoHostName is returned when the kernel will not tell us our host name,
// which leaves records impossible to attribute.
var errNoHostName = errors.New("host name is unknown")

// DetectIdentity resolves the host and node names. The node name is taken
// from configuration first, then NODE_NAME; outside Kubernetes it falls back
// to the host name, which is what the kubelet itself defaults to.
func DetectIdentity(configuredNodeName string) (Identity, error) {
	host, err := os.Hostname()
	if err != nil {
		return Identity{}, fmt.Errorf("detect identity: %w", err)
	}
	if host == "" {
		return Identity{}, fmt.Errorf("detect identity: %w", errNoHostName)
	}
	node := configuredNodeName
	if node == "" {
		node = os.Getenv(NodeNameEnv)
	}
	if node == "" {
		node = host
	}
	return Identity{HostName: host, NodeName: node}, nil
}
