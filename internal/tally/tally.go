// Package tally counts a batch's outcomes so a processor records each
// distinct metric attribute set once per batch rather than once per record.
package tally

// Counts counts the values added. A batch holds a handful of distinct
// outcomes, mostly in runs (one receiver's batch is one source), so a short
// list tried from the last hit first beats a map, which hashes every
// string of the key per record and is allocated per batch. The zero value
// is ready; Reuse lends it a backing array, so a batch that fits costs no
// allocation.
type Counts[K comparable] struct {
	items []Count[K]
	last  int
}

// Count is one distinct value and how often it was added.
type Count[K comparable] struct {
	Key K
	N   int64
}

// Reuse makes c count into buf's backing array, emptied.
func (c *Counts[K]) Reuse(buf []Count[K]) {
	c.items, c.last = buf[:0], 0
}

// Add counts k once.
func (c *Counts[K]) Add(k K) {
	if c.last < len(c.items) && c.items[c.last].Key == k {
		c.items[c.last].N++
		return
	}
	for i := range c.items {
		if c.items[i].Key == k {
			c.items[i].N++
			c.last = i
			return
		}
	}
	c.items = append(c.items, Count[K]{Key: k, N: 1})
	c.last = len(c.items) - 1
}

// All returns the distinct values in the order first added, with their
// counts.
func (c *Counts[K]) All() []Count[K] { return c.items }
