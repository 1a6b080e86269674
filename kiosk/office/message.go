package office

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message types: the path of each under /office/v1/.
const (
	TypeHelp     = "help"
	TypeAnswered = "help.answered"
)

// PathPrefix is where version 1 of the protocol lives.
const PathPrefix = "/office/v1/"

// AnswerComing is the one answer a desk gives: an officer is coming.
const AnswerComing = "coming"

// Help is a kiosk's call for an officer. It names machines and a step of
// the visit, never the person.
type Help struct {
	V          int       `json:"v"`
	ID         string    `json:"id"`     // the call, random hex
	From       string    `json:"from"`   // the kiosk's name
	Office     string    `json:"office"` // the office's name ("" unknown)
	Step       string    `json:"step"`   // the screen (engine step name)
	VisitStep  int       `json:"visit_step"`
	VisitSteps int       `json:"visit_steps"`
	At         time.Time `json:"at"`
}

// Answer is a desk's answer to a call.
type Answer struct {
	V      int       `json:"v"`
	ID     string    `json:"id"`     // the call answered
	From   string    `json:"from"`   // the desk's name
	Answer string    `json:"answer"` // AnswerComing
	At     time.Time `json:"at"`
}

// Check says what is wrong with h ("nil": nothing).
func (h Help) Check() error {
	switch {
	case h.V != 1:
		return fmt.Errorf("version %d", h.V)
	case !callID(h.ID):
		return fmt.Errorf("call id")
	case !name(h.From, false) || !name(h.Office, true):
		return fmt.Errorf("names")
	case !stepName(h.Step):
		return fmt.Errorf("step")
	case h.VisitSteps < 1 || h.VisitSteps > 9 || h.VisitStep < 0 || h.VisitStep > h.VisitSteps:
		return fmt.Errorf("visit step")
	case h.At.IsZero():
		return fmt.Errorf("time")
	}
	return nil
}

// Check says what is wrong with a ("nil": nothing).
func (a Answer) Check() error {
	switch {
	case a.V != 1:
		return fmt.Errorf("version %d", a.V)
	case !callID(a.ID):
		return fmt.Errorf("call id")
	case !name(a.From, false):
		return fmt.Errorf("name")
	case a.Answer != AnswerComing:
		return fmt.Errorf("answer")
	case a.At.IsZero():
		return fmt.Errorf("time")
	}
	return nil
}

// NewCallID is a fresh random call id.
func NewCallID() string {
	k, _ := NewKey() // crypto/rand does not fail on supported systems
	return fmt.Sprintf("%x", k[:8])
}

func callID(s string) bool { return len(s) >= 16 && len(s) <= 32 && isHex(s) }

// name: a machine's or office's name as people read it: valid UTF-8,
// printable, at most 64 characters (an office's: 128, and may be empty).
func name(s string, office bool) bool {
	if s == "" {
		return office
	}
	limit := 64
	if office {
		limit = 128
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > limit {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func stepName(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// decode reads one message strictly: unknown fields and trailing data are
// refused.
func decode(body []byte, v interface{ Check() error }) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data")
	}
	return v.Check()
}
