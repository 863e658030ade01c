package cnidecoder

import (
	"net/netip"
	"strings"
	"time"
)

// fields is what an entry says, gathered from whichever shape it has.
// The first value seen for a key wins: plugins log the sandbox's own fields
// before any they quote.
type fields struct {
	shape string // calico, multus, klog, logfmt, json, cni-result, go-panic, text
	time  time.Time
	level string
	msg   string
	// line is the entry's text after its time and level, pairs and all:
	// the error of a failed call when no field holds one.
	line    string
	details string // a CNI error's details
	command string
	plugin  string
	// pluginHint is a plugin named by context (a subsystem, a caller's
	// path) rather than by a field; a field wins over it.
	pluginHint  string
	containerID string
	infraID     string // K8S_POD_INFRA_CONTAINER_ID, the container id's fallback
	netns       string
	ifName      string
	podName     string
	namespace   string
	podUID      string
	workload    string // Calico's WorkloadEndpoint / Workload name
	ips         []string
	err         string
	errCode     int64
	cniResult   bool // a CNI result or error object
	inArgs      bool // reading the pairs inside CNI_ARGS
	success     bool // the entry reports a completed call (err <nil>, ips)
}

func set(dst *string, v string) {
	if *dst == "" && v != "" {
		*dst = v
	}
}

// add files one key/value pair. Keys are compared without case, '_', '-'
// and '.', so K8S_POD_NAME, k8sPodName and k8s.pod.name are one key.
func (f *fields) add(key, val string) {
	var buf [40]byte
	n := 0
	for i := 0; i < len(key) && n < len(buf); i++ {
		c := key[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == '@':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	switch string(buf[:n]) {
	case "containerid", "cnicontainerid", "sandboxid", "sandbox":
		set(&f.containerID, val)
	case "k8spodinfracontainerid":
		set(&f.infraID, val)
	case "netns", "cninetns", "netnspath":
		set(&f.netns, val)
	case "ifname", "cniifname":
		set(&f.ifName, val)
	case "k8spodname", "podname", "pod", "k8spod":
		// klog's structured logs write a pod as "namespace/name".
		if ns, name, ok := strings.Cut(val, "/"); ok && f.podName == "" && !strings.Contains(name, "/") {
			set(&f.namespace, ns)
			val = name
		}
		set(&f.podName, val)
	case "k8spodnamespace", "namespace", "k8snamespace", "podnamespace":
		set(&f.namespace, val)
	case "k8spoduid", "poduid":
		set(&f.podUID, val)
	case "workloadendpoint", "workload":
		set(&f.workload, val)
	case "ipv4", "ipv6", "ip", "ips", "address", "addresses", "containeraddr", "ipv4addr", "ipv6addr", "assignedip", "podip", "ipaddress":
		f.addIPs(val)
	case "error", "err", "errormsg":
		if val == "<nil>" || val == "nil" || val == "null" {
			// Multus' "err: <nil>" closes a call that went well.
			f.success = true
		} else {
			set(&f.err, val)
		}
	case "details":
		set(&f.details, val)
	case "level", "lvl", "severity", "loglevel":
		set(&f.level, val)
	case "time", "ts", "timestamp":
		if f.time.IsZero() {
			f.time = parseTime(val)
		}
	case "msg", "message":
		set(&f.msg, val)
	case "cnicommand", "command", "cmd", "operation":
		set(&f.command, val)
	case "plugin", "plugintype", "type":
		set(&f.plugin, val)
	case "subsys", "caller", "logger", "component":
		set(&f.pluginHint, pluginFromContext(val))
	case "args", "cniargs", "argsstdindata":
		// CNI_ARGS hold pairs of their own, one level down; deeper
		// nesting is not something plugins write, and following it would
		// make a crafted line quadratic.
		if !f.inArgs {
			f.inArgs = true
			walkPairs(val, f.add)
			f.inArgs = false
		}
	case "result":
		f.addIPs(val)
		if len(f.ips) > 0 {
			f.success = true
		}
	}
}

// addIPs takes the addresses out of a value: one address, a list
// ("[10.0.1.7/26]", "10.0.1.7, fd00::7") or a CNI result whose "address"
// members hold them. Bare addresses get a host prefix: the schema keeps
// CIDR form.
func (f *fields) addIPs(val string) {
	if strings.Contains(val, `"address"`) {
		// Only the members named address: a result's gateways are not
		// the sandbox's.
		for rest := val; ; {
			i := strings.Index(rest, `"address"`)
			if i < 0 {
				return
			}
			rest = rest[i+len(`"address"`):]
			j := strings.IndexByte(rest, '"')
			if j < 0 {
				return
			}
			rest = rest[j+1:]
			k := strings.IndexByte(rest, '"')
			if k < 0 {
				return
			}
			f.addIP(rest[:k])
			rest = rest[k:]
		}
	}
	for tok := range strings.FieldsFuncSeq(val, func(r rune) bool {
		return r == ' ' || r == ',' || r == '[' || r == ']' || r == ';' || r == '"' || r == '{' || r == '}'
	}) {
		f.addIP(tok)
	}
}

func (f *fields) addIP(s string) {
	var p netip.Prefix
	if strings.IndexByte(s, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	c := p.String()
	for _, have := range f.ips {
		if have == c {
			return
		}
	}
	f.ips = append(f.ips, c)
}

// pluginFromContext names the plugin a subsystem or caller path belongs to.
func pluginFromContext(v string) string {
	switch {
	case strings.Contains(v, "cilium-cni"):
		return "cilium-cni"
	case strings.Contains(v, "routed-eni-cni-plugin"), strings.Contains(v, "aws-cni"):
		return "aws-cni"
	case strings.Contains(v, "egress-cni"), strings.Contains(v, "egress-v4-cni"):
		return "egress-cni"
	case strings.Contains(v, "multus"):
		return "multus"
	case strings.Contains(v, "calico"):
		return "calico"
	}
	return ""
}
