package engine

import (
	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/reader/pa"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// SyncObserved takes a sync pass's outcome (wire it to the worker's
// OnDrain). Any goroutine.
func (e *Engine) SyncObserved(st worker.Stats, err error) {
	e.mu.Lock()
	e.sync.Known = true
	e.sync.Offline = st.Offline || err != nil
	if !e.sync.Offline {
		e.sync.Last = e.cfg.Now()
	}
	e.mu.Unlock()
	e.refreshSync()
}

// refreshSync asks for a new count of the outbox.
func (e *Engine) refreshSync() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// countOutbox reads the outbox depth (store I/O, never under e.mu).
func (e *Engine) countOutbox() {
	e.refreshReceipt()
	counts, err := e.cfg.Outbox.Counts()
	if err != nil {
		return
	}
	e.mu.Lock()
	e.sync.Depth = counts[outbox.Pending] + counts[outbox.Sending] + counts[outbox.NeedsAttention]
	ev := Event{Kind: SyncChanged, Step: e.step}
	e.unlockEmit(ev)
}

// SyncNow wakes the sync worker (an operator's button).
func (e *Engine) SyncNow() {
	if e.cfg.Worker != nil {
		e.cfg.Worker.Notify()
	}
	e.refreshSync()
}

// Outbox lists the stored dossiers (newest last) for the desk's view.
func (e *Engine) Outbox() ([]outbox.Record, error) { return e.cfg.Outbox.List(outbox.Filter{}) }

// OutboxCounts counts the stored dossiers by state.
func (e *Engine) OutboxCounts() (map[outbox.State]int, error) { return e.cfg.Outbox.Counts() }

// OutboxDir is where the outbox lives (operator screen).
func (e *Engine) OutboxDir() string { return e.cfg.Outbox.Dir() }

// Requeue sends a dossier that needs attention again and wakes the worker.
func (e *Engine) Requeue(uuid string) error {
	if err := e.cfg.Outbox.Requeue(uuid); err != nil {
		return err
	}
	e.SyncNow()
	return nil
}

// Info describes the machine for the operator screen.
type Info struct {
	Reader, TrustInfo, Provider, OutboxDir string
	Worker, Demo                           bool
	// AdminPIN says an admin PIN is configured (never the PIN itself).
	AdminPIN bool
	// Trust store (issue 20): the CSCAs Passive Authentication chains to,
	// by country with their validity today, and the files it could not use.
	Trust         []pa.CSCAInfo
	TrustProblems []string
}

// Info is the machine's description.
func (e *Engine) Info() Info {
	e.mu.Lock()
	name := e.readerName()
	e.mu.Unlock()
	info := Info{Reader: name, TrustInfo: e.cfg.TrustInfo, Provider: e.cfg.Provider,
		OutboxDir: e.cfg.Outbox.Dir(), Worker: e.cfg.Worker != nil, Demo: e.cfg.Demo, AdminPIN: e.cfg.AdminPIN != "",
		Trust: e.cfg.ReadOptions.Trust.List(e.cfg.Now())}
	if ts := e.cfg.ReadOptions.Trust; ts != nil {
		info.TrustProblems = append([]string(nil), ts.Problems...)
	}
	return info
}

// Services lists the catalogue's services (for the tiles).
func (e *Engine) Services() []*catalog.Service { return e.cfg.Catalog.Services() }

// Catalog is the service catalogue the engine serves.
func (e *Engine) Catalog() *catalog.Catalog { return e.cfg.Catalog }

// Addresses is the table that maps card addresses to today's units (nil
// if none).
func (e *Engine) Addresses() *address.Table { return e.cfg.Table }

// Device names this machine (receipts carry it).
func (e *Engine) Device() string { return e.cfg.Device }
