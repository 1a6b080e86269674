package engine

import (
	"context"
	"errors"
	"fmt"

	"motcua/kiosk/dossier"
)

// QueueDossier stores a dossier made elsewhere than the visit (a paired
// application through the local API, built with kiosk/dossier like the
// visit's own) in the outbox, and tells the sync worker: the same way out
// as Submit. The outbox's typed errors (outbox.ErrInvalidInput,
// ErrLocked, ...) come back wrapped.
func (e *Engine) QueueDossier(ctx context.Context, d *dossier.Dossier) (string, error) {
	if d == nil {
		return "", errors.New("no dossier")
	}
	payload, err := d.JSON()
	if err != nil {
		return "", fmt.Errorf("dossier: %w", err)
	}
	defer clear(payload)
	uuid, err := e.cfg.Outbox.Add(ctx, d.ServiceCode, payload)
	if err != nil {
		return "", fmt.Errorf("the dossier could not be saved: %w", err)
	}
	if e.cfg.Worker != nil {
		e.cfg.Worker.Notify()
	}
	e.refreshSync()
	return uuid, nil
}
