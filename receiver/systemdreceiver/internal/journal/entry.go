package journal

import (
	"errors"
	"strconv"
	"time"

	"github.com/valyala/fastjson"
)

// ErrNoCursor means a line is not a journal entry: journalctl writes a
// __CURSOR into every one.
var ErrNoCursor = errors.New("journal line has no __CURSOR")

// Entry is what the receiver itself needs from a line: where it is in the
// journal, when it was written, and which units it belongs to. Everything
// else is the decoder's business.
type Entry struct {
	Cursor string
	Time   time.Time
	// Units are the entry's unit fields: _SYSTEMD_UNIT (the unit that
	// logged), and UNIT and OBJECT_SYSTEMD_UNIT (a unit that systemd, or
	// another privileged process, logged about).
	Units [3]string
}

// Peeker reads entries. It reuses its parser, so it is not safe for
// concurrent use.
type Peeker struct {
	p fastjson.Parser
}

// Peek reads the fields of Entry from one journalctl JSON line. Values
// that are not plain strings (journalctl writes binary values as byte
// arrays and repeated fields as arrays) are left empty.
func (pk *Peeker) Peek(line []byte) (Entry, error) {
	v, err := pk.p.ParseBytes(line)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	e.Cursor = string(v.GetStringBytes("__CURSOR"))
	if e.Cursor == "" {
		return Entry{}, ErrNoCursor
	}
	if us, err := strconv.ParseInt(string(v.GetStringBytes("__REALTIME_TIMESTAMP")), 10, 64); err == nil {
		e.Time = time.UnixMicro(us)
	}
	e.Units[0] = string(v.GetStringBytes("_SYSTEMD_UNIT"))
	// UNIT= and OBJECT_SYSTEMD_UNIT= are trusted from root only, as
	// journalctl --unit does: any process may write them.
	if string(v.GetStringBytes("_UID")) == "0" {
		e.Units[1] = string(v.GetStringBytes("UNIT"))
		e.Units[2] = string(v.GetStringBytes("OBJECT_SYSTEMD_UNIT"))
	}
	return e, nil
}
