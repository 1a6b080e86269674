package engine

import (
	"time"

	"motcua/kiosk/catalog"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// ReceiptLinger is how long the receipt stays on screen after the card
// left: the citizen does what it says ("take your card") and can still
// read or photograph the receipt number. "Xong" ends it sooner.
const ReceiptLinger = 20 * time.Second

// keptReceipt is what outlives the visit's personal data on the receipt
// screen: the receipt code, the service and the time. No card data.
type keptReceipt struct {
	code    string
	service *catalog.Service
	at      time.Time
	left    time.Time // when the card left (zero: still on the reader)
	// rec is the dossier's outbox record as last read: the province's mã
	// hồ sơ and status arrive there after sync (refreshReceipt).
	rec *outbox.Record
	// parts are the dossiers of a combined visit (nil for one dossier).
	parts []ReceiptPart
}

// keepReceiptLocked records the receipt of the dossiers just made
// durable: the first one's reference is the receipt code; a combined
// visit lists every agency's. Called with e.mu held.
func (e *Engine) keepReceiptLocked(p *pendingSubmit) {
	k := &keptReceipt{code: p.parts[0].UUID, at: e.cfg.Now()}
	if p.bundle != "" {
		for _, part := range p.parts {
			k.parts = append(k.parts, part.ReceiptPart)
		}
	}
	if f := e.sess.Current(); f != nil {
		k.service = f.Service
	}
	e.kept = k
}

// receiptCardLeftLocked wipes the visit's personal data when the card
// leaves after its receipt, and keeps the receipt on screen (code,
// service, time) until Done or ReceiptLinger. Called with e.mu held.
func (e *Engine) receiptCardLeftLocked(n Notice) []Event {
	k := e.kept
	e.endVisitLocked()
	if k == nil {
		return []Event{{Kind: VisitWiped, Why: WipeRemoved, Step: StepAttract}, e.setStep(StepAttract, n, "")}
	}
	k.left = e.cfg.Now()
	e.kept = k
	return []Event{{Kind: VisitWiped, Why: WipeRemoved, Step: StepReceipt}, e.setStep(StepReceipt, n, "")}
}

// receiptExpiredLocked ends a receipt left on screen once ReceiptLinger
// passed after the card left. Called with e.mu held.
func (e *Engine) receiptExpiredLocked(now time.Time) []Event {
	if e.kept == nil || e.kept.left.IsZero() || now.Sub(e.kept.left) < ReceiptLinger || e.step != StepReceipt {
		return nil
	}
	return e.wipeLocked(WipeDone, StepAttract, NoticeNone)
}

// receiptView fills the receipt's part of a view. Called with e.mu held.
func (e *Engine) receiptView(v *View) {
	if e.kept == nil || e.step != StepReceipt {
		return
	}
	v.Receipt, v.ReceiptAt, v.ReceiptFor = e.kept.code, e.kept.at, e.kept.service
	if e.kept.rec != nil {
		r := *e.kept.rec
		v.ReceiptDossier = &r
	}
	v.ReceiptBundle = append([]ReceiptPart(nil), e.kept.parts...)
	v.CardLeft = !e.kept.left.IsZero()
	if v.CardLeft {
		v.ReceiptEnds = e.kept.left.Add(ReceiptLinger)
	}
}

// refreshReceipt reads the record of the receipt on screen again, so the
// receipt shows the official dossier code and QR as soon as the sync
// worker has stored them. It runs with the outbox count (every few
// seconds and after each sync pass); store I/O, never under e.mu.
func (e *Engine) refreshReceipt() {
	e.mu.Lock()
	k := e.kept
	if k == nil || e.step != StepReceipt || (k.rec != nil && outbox.StatusFinal(k.rec.ProvincialStatus)) {
		e.mu.Unlock()
		return
	}
	uuid := k.code
	e.mu.Unlock()
	r, err := e.getRecord(uuid)
	if err != nil {
		return
	}
	e.mu.Lock()
	if e.kept != k {
		e.mu.Unlock()
		return
	}
	was := k.rec
	k.rec = &r
	if was == nil { // what the receipt showed: a dossier waiting to be sent
		was = &outbox.Record{State: outbox.Pending}
	}
	if was.State == r.State && was.OfficialCode == r.OfficialCode && was.ProvincialStatus == r.ProvincialStatus {
		e.mu.Unlock()
		return
	}
	ev := e.changed()
	e.unlockEmit(ev)
}

// ReceiptConfig is where the official dossier QR links to (Config.Receipt).
func (e *Engine) ReceiptConfig() receipt.Config { return e.cfg.Receipt }

// ReceiptQR is the QR of a dossier's receipt: the official dossier QR once
// the province gave the mã hồ sơ, else the local receipt reference.
func (e *Engine) ReceiptQR(r outbox.Record) (receipt.QR, error) { return receipt.For(r, e.cfg.Receipt) }
