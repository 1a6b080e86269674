package engine

import (
	"testing"
	"time"
)

// TestVisitSteps: the step bar counts the citizen's visit in five steps;
// the operator's screen and the other modes' steps are none of them.
func TestVisitSteps(t *testing.T) {
	for s, want := range map[Step]int{StepAttract: 1, StepKey: 1, StepReading: 1, StepProblem: 1, StepIdentity: 2,
		StepServices: 3, StepForm: 4, StepReview: 4, StepReceipt: 5, StepAdmin: 0, StepNotary: 0, StepCheckIn: 0} {
		if got := s.VisitStep(); got != want || got > VisitSteps {
			t.Errorf("%s is step %d, want %d", s, got, want)
		}
	}
}

// TestCallHelp: a call for help names the machine and the step, carries
// nothing of the card, and counts as activity: the "still there?" prompt
// goes and the visit is not wiped while the person waits.
func TestCallHelp(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine, StepIdentity)
	r.clock.Add(91 * time.Second)
	r.e.Tick()
	r.event(StillThere)
	call := r.e.CallHelp()
	if call.Device != "test-kiosk" || call.Step != StepIdentity || call.Visit != 2 {
		t.Fatalf("call %+v", call)
	}
	ev := r.event(HelpCalled)
	if ev.Step != StepIdentity || ev.N != 2 || ev.Read != nil || ev.QR != nil || ev.Role != "" || ev.Service != "" {
		t.Fatalf("event %+v", ev)
	}
	if r.e.View().StillThere {
		t.Fatal("the prompt stays after the call")
	}
	r.clock.Add(60 * time.Second) // less than the idle time since the call
	r.e.Tick()
	if v := r.e.View(); v.Step != StepIdentity || v.Person == nil {
		t.Fatalf("the visit was wiped while waiting for help: %s", v.Step)
	}
}
