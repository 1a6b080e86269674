package engine

import (
	"context"
	"errors"
	"fmt"

	"motcua/kiosk/dossier"
	"motcua/sync/outbox"
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
	// Each person named by an ID number can find the dossier later by
	// tapping their card at a kiosk (keyed tags, the number not stored).
	ctx = outbox.WithOwners(ctx, e.idNumbersOf(d)...)
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

// idNumbersOf lists the ID numbers of a dossier's parties: the values of
// the fields the catalogue says hold one (type id12, or filled from the
// card's ID number). A service the catalogue does not know names nobody.
func (e *Engine) idNumbersOf(d *dossier.Dossier) []string {
	svc, ok := e.cfg.Catalog.Service(d.ServiceCode)
	if !ok {
		return nil
	}
	var ids []string
	for _, f := range svc.Fields {
		if f.Type != "id12" && f.Source != "card:id_number" {
			continue
		}
		for _, p := range d.Parties {
			if v, ok := p.Fields[f.ID]; ok && v.Value != "" {
				ids = append(ids, v.Value)
			}
		}
	}
	return ids
}
