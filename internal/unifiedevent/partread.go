package unifiedevent

// The readers of the node-level parts, split from parse.go to keep it
// short; they follow the same contract (see readProcess).

func readSystemd(f *fields, s *Systemd) *Systemd {
	if f == nil {
		return nil
	}
	if s == nil {
		s = new(Systemd)
	}
	*s = Systemd{
		Unit:           f.str("unit"),
		OldActiveState: f.str("old_active_state"),
		ActiveState:    f.str("active_state"),
		SubState:       f.str("sub_state"),
		Result:         f.str("result"),
		Restarts:       f.nonNegative("restarts"),
		ExitCode:       f.str("exit_code"),
		ExitStatus:     f.nonNegative("exit_status"),
		InvocationID:   f.str("invocation_id"),
		Priority:       f.optInt("priority"),
		Identifier:     f.str("identifier"),
		Cursor:         f.str("cursor"),
	}
	if s.Priority != nil && (*s.Priority < 0 || *s.Priority > 7) {
		f.fail("priority", "%d out of range 0..7", *s.Priority)
	}
	if !f.set {
		return nil
	}
	return s
}

func readCNI(f *fields, c *CNI) *CNI {
	if f == nil {
		return nil
	}
	if c == nil {
		c = new(CNI)
	}
	*c = CNI{
		Operation:   f.str("operation"),
		Plugin:      f.str("plugin"),
		ContainerID: f.str("container_id"),
		Netns:       f.str("netns"),
		IfName:      f.str("ifname"),
		IPs:         f.strs("ips"),
		Result:      f.str("result"),
		Error:       f.str("error"),
		ErrorCode:   f.nonNegative("error_code"),
	}
	if !f.set {
		return nil
	}
	return c
}

func readLoss(f *fields) *Loss {
	if f == nil {
		return nil
	}
	l := &Loss{
		Count:  f.nonNegative("count"),
		Reason: f.str("reason"),
		Kind:   f.str("kind"),
	}
	if !f.set {
		return nil
	}
	return l
}
