package localapi

import (
	"slices"
	"time"

	"motcua/internal/config"
	"motcua/reader/cccd"
	"motcua/reader/qr"
)

// CardView is the identity as an application sees it: the `motcua read
// --json` schema with the sensitive fields it is not granted emptied and
// listed in Withheld.
type CardView struct {
	cccd.ReadResult
	// Withheld names the sensitive fields left out for lack of a grant.
	Withheld []string `json:"withheld,omitempty"`
	// PhotoURL is where the face image can be fetched (granted callers,
	// when the photo was read).
	PhotoURL string `json:"photo_url,omitempty"`
}

// viewFor filters res for app.
func viewFor(res *cccd.ReadResult, app *App) *CardView {
	if res == nil {
		return nil
	}
	v := &CardView{ReadResult: *res}
	v.Photo = nil
	v.Warnings = slices.Clone(res.Warnings)
	v.DataGroups = slices.Clone(res.DataGroups)
	if res.Verification != nil {
		vv := *res.Verification
		v.Verification = &vv
	}
	if !app.Granted(config.GrantEthnicity) {
		v.Ethnicity = ""
		v.Withheld = append(v.Withheld, config.GrantEthnicity)
	}
	if !app.Granted(config.GrantReligion) {
		v.Religion = ""
		v.Withheld = append(v.Withheld, config.GrantReligion)
	}
	if !app.Granted(config.GrantPhoto) {
		v.PhotoMIME = ""
		v.Withheld = append(v.Withheld, config.GrantPhoto)
	} else if len(res.Photo) > 0 {
		v.PhotoURL = "/v1/card/photo"
	}
	return v
}

// Event is one message on the events WebSocket.
type Event struct {
	// Type is hello, reader.ready, reader.gone, card.inserted,
	// card.removed, card.reading, card.read, card.error or qr.scanned.
	Type   string    `json:"type"`
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Reader string    `json:"reader"`
	// Card is the identity (card.read), filtered by the caller's grants.
	Card *CardView `json:"card,omitempty"`
	// QR is the scanned QR (qr.scanned).
	QR *qr.Payload `json:"qr,omitempty"`
	// Reason classifies a card.error (wrong_key, no_key, card_removed,
	// malformed, other); Error says it in words.
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
	// NeedsKey is set on hello, card.inserted and card.error when the card
	// waits for a key: scan the QR (POST /v1/qr) or type the ID (POST /v1/key).
	NeedsKey bool `json:"needs_key,omitempty"`
	// CardSession names the card's stay in the reader (card.* and hello):
	// send it back as card_session with include_card.
	CardSession string `json:"card_session,omitempty"`
	// Status is the reader and card state (hello only).
	Status *Status `json:"status,omitempty"`
	// CheckIn is a clinic check-in (clinic.checkin, granted "health" only).
	CheckIn *CheckInEvent `json:"checkin,omitempty"`
	// grant, when set, is what an application needs to get the event at all.
	grant string

	// Help is the call for an officer (help.requested, issue 19): the
	// kiosk's name and the step, never the person.
	Help *HelpRequest `json:"help,omitempty"`

	res *cccd.ReadResult // rendered per subscriber as Card
}

// HelpRequest is a help.requested event's body.
type HelpRequest struct {
	Kiosk string `json:"kiosk"` // the machine's name (device name)
	Step  string `json:"step"`  // the screen (engine step name)
	// VisitStep is the step bar's number, 1..VisitSteps (0: not a visit step).
	VisitStep  int `json:"visit_step"`
	VisitSteps int `json:"visit_steps"`
	// Over the office link (kiosk/office): CallID names the call (the
	// answer names it too); Office is the calling kiosk's office; Remote
	// says the call came from another machine; Desk (help.answered) is the
	// desk whose officer is coming.
	CallID string `json:"call_id,omitempty"`
	Office string `json:"office,omitempty"`
	Remote bool   `json:"remote,omitempty"`
	Desk   string `json:"desk,omitempty"`
}

func (e Event) render(app *App) Event {
	if e.res != nil {
		e.Card = viewFor(e.res, app)
	}
	return e
}
