package cnireceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// deliveredKey holds, per file, where the last delivered batch ended.
const deliveredKey = "delivered"

// mark is the end of the last batch delivered from one file: its offset
// and a checksum of the entry that ends there.
type mark struct {
	End int64  `json:"end"`
	Sum uint32 `json:"sum"`
}

// ledger closes the gap deliver documents: the file consumer may checkpoint
// a file one batch behind what was delivered when Shutdown lands right after
// a delivery. Each file's last delivered batch end is saved next to the
// checkpoint; after a restart, the first batch read from that file drops
// the entries up to that end if the entry ending there is the same one.
// Files are known by path, so a file renamed while the collector was down
// can still repeat that one batch.
type ledger struct {
	mu sync.Mutex
	// pending are the marks of the previous run not yet checked against
	// a first batch.
	pending map[string]mark
	// last are the marks of this run (and the pending ones carried over,
	// so that a file not read this run keeps its mark).
	last map[string]mark
}

func newLedger() *ledger {
	return &ledger{pending: map[string]mark{}, last: map[string]mark{}}
}

func (l *ledger) load(ctx context.Context, c storage.Client) error {
	raw, err := c.Get(ctx, deliveredKey)
	if err != nil || raw == nil {
		return err
	}
	var marks map[string]mark
	if err := json.Unmarshal(raw, &marks); err != nil {
		// A mark only prevents a repeat; an unreadable one is dropped.
		return fmt.Errorf("read delivered marks: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for path, m := range marks {
		l.pending[path] = m
		l.last[path] = m
	}
	return nil
}

// save writes the marks of files that still exist: rotated files leave
// their names behind, and the marks must not grow without end.
func (l *ledger) save(ctx context.Context, c storage.Client) error {
	l.mu.Lock()
	for path := range l.last {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			delete(l.last, path)
		}
	}
	raw, err := json.Marshal(l.last)
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("write delivered marks: %w", err)
	}
	return c.Set(ctx, deliveredKey, raw)
}

// skip returns how many leading tokens of a batch were delivered before the
// restart. offsets[i+1] is where token i ends.
func (l *ledger) skip(path string, tokens [][]byte, offsets []int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.pending[path]
	if !ok {
		return 0
	}
	delete(l.pending, path)
	for i := range tokens {
		if i+1 >= len(offsets) || offsets[i+1] > m.End {
			break
		}
		if offsets[i+1] == m.End && crc32.ChecksumIEEE(tokens[i]) == m.Sum {
			return i + 1
		}
	}
	return 0
}

// delivered records the end of a delivered batch and its last token.
func (l *ledger) delivered(path string, end int64, last []byte) {
	m := mark{End: end, Sum: crc32.ChecksumIEEE(last)}
	l.mu.Lock()
	l.last[path] = m
	l.mu.Unlock()
}
