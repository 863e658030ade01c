package journal

import "strconv"

// Options say what journalctl reads and from where.
type Options struct {
	// Path is the journalctl binary.
	Path string
	// Directory reads the journal files under it (a host's
	// /var/log/journal mounted into the pod); Root reads those of a whole
	// root file system. At most one is set; neither reads the local journal.
	Directory string
	Root      string
	// MaxPriority keeps entries of this priority and more severe: 0 emerg
	// … 7 debug.
	MaxPriority int
	// Units become --unit filters. journalctl also matches systemd's own
	// messages about the unit (UNIT=) and its core dumps for them.
	Units []string
	// Cursor resumes after that entry. Without one, Beginning reads the
	// whole journal and otherwise only entries written from now on.
	Cursor    string
	Beginning bool
}

// Args builds journalctl's command line.
func (o Options) Args() []string {
	// --merge because --follow otherwise implies --boot: only entries of
	// the boot id of the kernel journalctl runs on. That skips what a node
	// wrote after the saved cursor before it rebooted, and everything of a
	// container whose boot id differs from the kernel's.
	args := []string{"--follow", "--merge", "--output=json", "--no-pager", "--quiet",
		"--priority=0.." + strconv.Itoa(o.MaxPriority)}
	switch {
	case o.Directory != "":
		args = append(args, "--directory="+o.Directory)
	case o.Root != "":
		args = append(args, "--root="+o.Root)
	}
	for _, u := range o.Units {
		args = append(args, "--unit="+u)
	}
	switch {
	case o.Cursor != "":
		args = append(args, "--after-cursor="+o.Cursor)
	case o.Beginning:
		args = append(args, "--lines=all")
	default:
		// --follow alone would replay the last ten entries.
		args = append(args, "--lines=0")
	}
	return args
}
