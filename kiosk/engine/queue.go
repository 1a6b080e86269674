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

// ownerTagger is what naming older dossiers' owners needs of the outbox
// (*outbox.Store has it).
type ownerTagger interface {
	Untagged() ([]string, error)
	Payload(uuid string) ([]byte, error)
	TagOwners(ctx context.Context, uuid string) (bool, error)
}

// TagOlderDossiers names the owners of the outbox's dossiers that have
// none, so their owners find them at the kiosk by a tap of their card
// too: dossiers queued before the look-up by card existed (an older
// store, migrated). Each payload is read, the ID numbers the catalogue's
// ID fields hold become keyed tags (as QueueDossier and Submit make them),
// and the plaintext is wiped. It returns how many it tagged; a dossier it
// cannot read or parse is skipped and counted in the log, never changed.
func (e *Engine) TagOlderDossiers(ctx context.Context) (int, error) {
	box, ok := e.cfg.Outbox.(ownerTagger)
	if !ok {
		return 0, nil
	}
	ids, err := box.Untagged()
	if err != nil {
		return 0, fmt.Errorf("older dossiers: %w", err)
	}
	tagged, skipped := 0, 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		payload, err := box.Payload(id)
		if err != nil {
			skipped++
			continue
		}
		d, err := dossier.Parse(payload)
		clear(payload)
		if err != nil {
			skipped++
			continue
		}
		owners := e.idNumbersOf(d)
		if len(owners) == 0 {
			continue
		}
		did, err := box.TagOwners(outbox.WithOwners(ctx, owners...), id)
		if err != nil {
			return tagged, fmt.Errorf("older dossiers: %w", err)
		}
		if did {
			tagged++
		}
	}
	if tagged > 0 || skipped > 0 {
		e.log.Info("older dossiers named for the look-up by card", "tagged", tagged, "unreadable", skipped, "untagged", len(ids))
	}
	return tagged, nil
}

// StartTaggingOlderDossiers runs TagOlderDossiers off the caller's
// goroutine, once (the app and `motcua serve` at start); Close waits for
// it.
func (e *Engine) StartTaggingOlderDossiers() {
	e.goIO(func(ctx context.Context) {
		if _, err := e.TagOlderDossiers(ctx); err != nil {
			e.log.Warn("older dossiers could not be named for the look-up by card", "err", err)
		}
	})
}
