package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestHelpCallsStackAndExpire: a desk lists the office's calls oldest
// first, once each, at most MaxHelpCalls; an unanswered call leaves after
// HelpKeep with HelpCleared; an answer from another desk clears it too. A
// public kiosk shows no other kiosk's call.
func TestHelpCallsStackAndExpire(t *testing.T) {
	r := newRig(t, Desk, nil)
	at := r.clock.Now()
	for i := range 3 {
		if !r.e.HelpReceived(HelpNote{ID: fmt.Sprintf("%016x", i+1), Kiosk: fmt.Sprintf("kiosk-%d", i+1), Step: "identity", Visit: 2, At: at}) {
			t.Fatal("a desk refused a call")
		}
		r.clock.Add(time.Minute)
	}
	r.e.HelpReceived(HelpNote{ID: fmt.Sprintf("%016x", 2), Kiosk: "kiosk-2", At: at}) // the same call again
	v := r.e.View()
	if len(v.HelpCalls) != 3 || v.HelpCalls[0].Kiosk != "kiosk-1" || v.HelpCalls[2].Kiosk != "kiosk-3" || !v.HelpCalls[0].Remote {
		t.Fatalf("calls %+v", v.HelpCalls)
	}
	if ev := r.event(HelpReceived); ev.Help == nil || ev.Help.Kiosk != "kiosk-1" {
		t.Fatalf("event %+v", ev)
	}
	// Another desk answered kiosk-2.
	r.e.HelpAnswered(HelpNote{ID: fmt.Sprintf("%016x", 2), Desk: "quay-2"})
	if ev := r.event(HelpCleared); ev.Help.Kiosk != "kiosk-2" || ev.Help.Desk != "quay-2" {
		t.Fatalf("cleared %+v", ev.Help)
	}
	// Without a link this desk cannot answer, and says so.
	if err := r.e.AnswerHelp(fmt.Sprintf("%016x", 1)); !errors.Is(err, ErrNoHelpLink) {
		t.Fatalf("answer without a link: %v", err)
	}
	r.clock.Add(HelpKeep - 2*time.Minute) // kiosk-1's call is HelpKeep old now, kiosk-3's is not
	r.e.Tick()
	if v := r.e.View(); len(v.HelpCalls) != 1 || v.HelpCalls[0].Kiosk != "kiosk-3" {
		t.Fatalf("after expiry: %+v", v.HelpCalls)
	}
	for i := range MaxHelpCalls + 5 {
		r.e.HelpReceived(HelpNote{ID: fmt.Sprintf("%016x", 100+i), Kiosk: "k", At: at})
	}
	if n := len(r.e.View().HelpCalls); n != MaxHelpCalls {
		t.Fatalf("list of %d", n)
	}

	k := newRig(t, Kiosk, nil)
	if k.e.HelpReceived(HelpNote{ID: "00000000000000aa", Kiosk: "kiosk-9", At: at}) || len(k.e.View().HelpCalls) != 0 {
		t.Fatal("a public kiosk shows another kiosk's call")
	}
}
