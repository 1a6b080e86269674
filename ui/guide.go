package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/kiosk/voice"
)

// The kiosk's guide for first-timers (issue 19): a step bar ("Bước 2/5")
// under the top bar of every kiosk screen, a "Gọi cán bộ hỗ trợ" button
// that calls an officer through the engine, and the voice that says each
// step's sentence ("Nghe lại" says it again). Only the kiosk has them: an
// officer's desk is silent and needs neither.

// Speaker is the voice guide (*voice.Guide): it speaks fixed sentences
// by their Message, never text, so nothing from a card is ever said.
type Speaker interface {
	Say(voice.Message)
	Repeat()
	SetEnabled(on bool)
	SetVolume(v int)
	Status() voice.Status
}

// helpCooldown is how long the help button says "called" before it can
// call again (an officer is on the way; tapping again adds nothing).
const helpCooldown = time.Minute

// guideBar is the strip under the top bar: the step bar, "Nghe lại" and
// "Gọi cán bộ hỗ trợ" (kiosk only; nil elsewhere).
func (a *App) guideBar() fyne.CanvasObject {
	if a.mode != Kiosk {
		return nil
	}
	a.stepBox = container.NewStack()
	a.helpBtn = widget.NewButtonWithIcon(T(a.lang, "help.call"), theme.AccountIcon(), a.callHelp)
	a.helpBtn.Importance = widget.WarningImportance
	if time.Now().Before(a.helpUntil) {
		a.helpBtn.SetText(T(a.lang, "help.called"))
		a.helpBtn.Disable()
	}
	right := container.NewHBox()
	if a.cfg.Voice != nil {
		right.Add(widget.NewButtonWithIcon(T(a.lang, "voice.repeat"), theme.MediaReplayIcon(), a.cfg.Voice.Repeat))
	}
	right.Add(a.helpBtn)
	return container.NewBorder(nil, nil, nil, right, a.stepBox)
}

// stepWords names each step of the bar.
var stepWords = [engine.VisitSteps]string{"step.card", "step.you", "step.service", "step.form", "step.receipt"}

// drawSteps draws the step bar for v: done steps green, the current one
// in the primary colour and bold, the rest grey, and "Bước n/5: …".
func (a *App) drawSteps(v engine.View) {
	if a.stepBox == nil {
		return
	}
	n := v.Step.VisitStep()
	a.stepBox.Objects = nil
	if n > 0 {
		segs := container.NewGridWithColumns(engine.VisitSteps)
		for i := 1; i <= engine.VisitSteps; i++ {
			fill := color.Color(neutralColour)
			switch {
			case i < n:
				fill = stepDoneColour
			case i == n:
				fill = theme.Color(theme.ColorNamePrimary)
			}
			// A band per step with its number: a progress line, not buttons.
			bar := canvas.NewRectangle(fill)
			bar.CornerRadius = 6
			bar.SetMinSize(fyne.NewSize(24, 26))
			num := canvas.NewText(fmt.Sprint(i), color.White)
			num.TextStyle.Bold = i == n
			num.Alignment = fyne.TextAlignCenter
			segs.Add(container.NewStack(bar, container.NewCenter(num)))
		}
		// The words shorten rather than widen the window (large text).
		label := widget.NewLabelWithStyle(fmt.Sprintf(T(a.lang, "step.of"), n, engine.VisitSteps)+": "+
			T(a.lang, stepWords[n-1]), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		label.Truncation = fyne.TextTruncateEllipsis
		a.stepBox.Objects = []fyne.CanvasObject{container.NewBorder(label, nil, nil, nil, segs)}
	}
	a.stepBox.Refresh()
}

// StepBar is the step bar's text on show ("" when none), for tests.
func (a *App) StepBar() string {
	if a.stepBox == nil || len(a.stepBox.Objects) == 0 {
		return ""
	}
	if b, ok := a.stepBox.Objects[0].(*fyne.Container); ok {
		for _, o := range b.Objects {
			if l, ok := o.(*widget.Label); ok {
				return l.Text
			}
		}
	}
	return ""
}

// callHelp calls an officer: the engine announces it (the local API's
// event socket carries it to the desk); the kiosk says so, in words and
// aloud, and the button rests for a while.
func (a *App) callHelp() {
	a.eng.CallHelp()
	a.helpUntil = time.Now().Add(helpCooldown)
	if a.cfg.Voice != nil {
		a.cfg.Voice.Say(voice.HelpCalled)
	}
	btn := a.helpBtn
	btn.SetText(T(a.lang, "help.called"))
	btn.Disable()
	a.showHelpDialog() // help.go: it says what becomes of the call
	a.goIO(func() {
		t := time.NewTimer(helpCooldown)
		defer t.Stop()
		select {
		case <-t.C:
		case <-a.stopped:
			return
		}
		a.do(func() {
			btn.SetText(T(a.lang, "help.call"))
			btn.Enable()
		})
	})
}

// speak says the sentence of the step on show, once per step and notice
// (a redraw of the same step says nothing). Kiosk only; the guide itself
// returns at once and plays in the background.
func (a *App) speak(v engine.View) {
	if a.cfg.Voice == nil || a.mode != Kiosk {
		return
	}
	m := messageFor(v)
	key := fmt.Sprintf("%s/%s", v.Step, v.Notice)
	if m == 0 || key == a.spoken {
		return
	}
	a.spoken = key
	a.cfg.Voice.Say(m)
}

// messageFor is the sentence for what v shows (0: nothing to say).
func messageFor(v engine.View) voice.Message {
	switch v.Notice {
	case engine.NoticeWrongKey:
		return voice.WrongKey
	case engine.NoticePulled:
		return voice.CardRemoved
	case engine.NoticeReadFailed:
		return voice.ReadFailed
	}
	switch v.Step {
	case engine.StepAttract:
		return voice.PlaceCard
	case engine.StepKey:
		return voice.ScanQR
	case engine.StepReading:
		return voice.Reading
	case engine.StepIdentity:
		if v.Person != nil && refused(v.Person) {
			return voice.ForgedCard
		}
		return voice.ThisIsYou
	case engine.StepServices:
		return voice.ChooseService
	case engine.StepForm:
		return voice.FillForm
	case engine.StepReview:
		return voice.CheckAgree
	case engine.StepReceipt:
		return voice.Receipt
	}
	return 0
}

// voiceSettings is the admin card's voice row: on/off and the volume.
func (a *App) voiceSettings() fyne.CanvasObject {
	if a.cfg.Voice == nil {
		return nil
	}
	st := a.cfg.Voice.Status()
	on := widget.NewCheck(T(a.lang, "voice.on"), a.cfg.Voice.SetEnabled)
	on.Checked = st.Enabled
	vol := widget.NewSlider(0, 100)
	vol.Step = 10
	vol.Value = float64(st.Volume)
	vol.OnChangeEnded = func(f float64) { a.cfg.Voice.SetVolume(int(f)) }
	state := T(a.lang, "voice.active")
	if !st.Active {
		state = T(a.lang, "voice.silent")
		if a.lang == English { // the guide's reasons are in English
			state += " (" + st.Reason + ")"
		}
	}
	return container.NewVBox(on, container.NewBorder(nil, nil, widget.NewLabel(T(a.lang, "voice.volume")), nil, vol),
		widget.NewLabel(state))
}
