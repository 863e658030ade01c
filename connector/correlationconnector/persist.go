package correlationconnector

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// stateKey is where the engine snapshot lives in the storage client.
const stateKey = "engine"

var errNotStorage = errors.New("not a storage extension")

// storageName is the feeder's kind: the one engine's state is saved under
// the name the logs output's engine used when each output had its own, so
// a state saved by that version still restores.
func (c *core) storageName() string {
	switch c.feeder() {
	case signalTraces:
		return "traces"
	case signalMetrics:
		return "metrics"
	}
	return "logs"
}

// restore opens the storage client and loads the saved incidents. A
// snapshot that cannot be read is logged and dropped: starting empty
// splits some incidents, refusing to start would lose all of them.
func (c *core) restore(ctx context.Context, host component.Host) error {
	if c.storageID == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*c.storageID]
	if !ok {
		return fmt.Errorf("storage %s: extension not found", c.storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage %s: %w", c.storageID, errNotStorage)
	}
	client, err := se.GetClient(ctx, component.KindConnector, c.id, c.storageName())
	if err != nil {
		return fmt.Errorf("storage %s: get client: %w", c.storageID, err)
	}
	c.store = client
	b, err := client.Get(ctx, stateKey)
	if err != nil {
		return fmt.Errorf("storage %s: read state: %w", c.storageID, err)
	}
	if b == nil {
		return nil
	}
	c.mu.Lock()
	dropped, err := c.eng.Restore(b)
	n := c.eng.Open()
	c.mu.Unlock()
	if err != nil {
		c.logger.Warn("saved correlation state dropped", zap.Error(err))
		return nil
	}
	c.logger.Info("correlation state restored", zap.Int("incidents", n), zap.Int("dropped", dropped))
	return nil
}

// checkpoint writes the state while running when it changed, so a crash
// (no Shutdown) restores what was open a checkpoint ago instead of nothing.
// The state is copied under the lock; encoding it and the write are not,
// so the input waits for the copy only, and a slow disk delays the next
// checkpoint, never the input.
func (c *core) checkpoint(ctx context.Context) {
	c.mu.Lock()
	if !c.dirty {
		c.mu.Unlock()
		return
	}
	capt := c.eng.Capture()
	c.dirty = false
	c.mu.Unlock()
	b, err := capt.Encode()
	if err == nil {
		err = c.store.Set(ctx, stateKey, b)
	}
	if err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		c.logger.Warn("correlation checkpoint failed", zap.Error(err))
		return
	}
	c.checkpoints.Add(1)
}

// save writes the engine's state and closes the client.
func (c *core) save(ctx context.Context) error {
	if c.store == nil {
		return nil
	}
	c.mu.Lock()
	b, err := c.eng.Snapshot()
	c.mu.Unlock()
	if err == nil {
		err = c.store.Set(ctx, stateKey, b)
	}
	if cerr := c.store.Close(ctx); err == nil {
		err = cerr
	}
	c.store = nil
	if err != nil {
		return fmt.Errorf("save correlation state: %w", err)
	}
	return nil
}
