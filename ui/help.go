package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/kiosk/voice"
)

// Help over the office link (issue 19): the kiosk says what became of its
// call (sent to N desks, no desk reachable: go to the counter, an officer
// is coming), in words and aloud; a desk shows the office's calls on a
// banner above every screen, each with "Tôi đến ngay". The engine keeps
// the state (kiosk/engine/helplink.go); this only renders it.

// showHelpDialog opens the dialog that follows the kiosk's call.
func (a *App) showHelpDialog() {
	text := T(a.lang, "help.wait")
	if v := a.eng.View(); v.Help != nil && v.Help.State == engine.HelpSending {
		text = T(a.lang, "help.sending")
	}
	a.helpMsg = para(text)
	a.helpMsg.TextStyle.Bold = true
	a.helpDlg = dialog.NewCustom(T(a.lang, "help.call"), T(a.lang, "help.ok"), a.helpMsg, a.win)
	a.helpDlg.Resize(fyne.NewSize(min(640, a.win.Canvas().Size().Width-40), 0))
	a.helpDlg.Show()
	a.helpSaid = ""
	a.drawHelp(a.eng.View())
}

// drawHelp brings the help button, the call's dialog (kiosk) or the
// banner of calls (desk) in line with v.
func (a *App) drawHelp(v engine.View) {
	if a.helpBanner != nil {
		a.drawHelpCalls(v)
	}
	h := v.Help
	if a.helpBtn == nil || h == nil {
		return
	}
	var btn, msg string
	var say voice.Message
	switch h.State {
	case engine.HelpSending:
		btn, msg = T(a.lang, "help.called"), T(a.lang, "help.sending")
	case engine.HelpSent:
		btn, msg = fmt.Sprintf(T(a.lang, "help.sentbtn"), h.Desks), fmt.Sprintf(T(a.lang, "help.sent"), h.Desks)
	case engine.HelpUnreached:
		btn, msg, say = T(a.lang, "help.nodeskbtn"), T(a.lang, "help.nodesk"), voice.HelpNoDesk
	case engine.HelpComing:
		btn, msg, say = T(a.lang, "help.comingbtn"), fmt.Sprintf(T(a.lang, "help.coming"), h.Desk), voice.HelpComing
	}
	if time.Now().Before(a.helpUntil) || h.State == engine.HelpComing {
		a.helpBtn.SetText(btn)
	}
	key := fmt.Sprintf("%s/%d", h.ID, h.State)
	if key == a.helpSaid {
		return
	}
	a.helpSaid = key
	if a.helpMsg != nil {
		a.helpMsg.SetText(msg)
	}
	if say != 0 { // the outcome matters: shown again if dismissed, and said aloud
		if a.helpDlg != nil {
			a.helpDlg.Show()
		}
		if a.cfg.Voice != nil {
			a.cfg.Voice.Say(say)
		}
	}
}

// helpCalls is the desk's banner of the office's calls for help (nil on
// a screen that faces the public).
func (a *App) helpCalls() fyne.CanvasObject {
	if a.public() {
		a.helpBanner = nil
		return nil
	}
	a.helpBanner = container.NewVBox()
	a.drawHelpCalls(a.eng.View())
	return a.helpBanner
}

// drawHelpCalls lists the calls, oldest first: which kiosk, which step,
// since when, and "Tôi đến ngay".
func (a *App) drawHelpCalls(v engine.View) {
	a.helpBanner.Objects = nil
	for _, c := range v.HelpCalls {
		id := c.ID
		at := c.At.Local().Format("15:04")
		text := fmt.Sprintf(T(a.lang, "help.desk.other"), c.Kiosk, at)
		if c.Visit >= 1 && c.Visit <= engine.VisitSteps {
			text = fmt.Sprintf(T(a.lang, "help.desk.call"), c.Kiosk, c.Visit, engine.VisitSteps, T(a.lang, stepWords[c.Visit-1]), at)
		}
		go1 := widget.NewButtonWithIcon(T(a.lang, "help.desk.go"), theme.ConfirmIcon(), func() { a.answerHelp(id) })
		go1.Importance = widget.HighImportance
		a.helpBanner.Add(container.NewBorder(nil, nil, nil, go1, onColour(warnColour, text)))
	}
	if len(a.helpBanner.Objects) == 0 { // no gap above the screen when no one calls
		a.helpBanner.Hide()
	} else {
		a.helpBanner.Show()
	}
	a.helpBanner.Refresh()
}

// answerHelp is the desk's "Tôi đến ngay": the engine clears the call and
// sends the answer (off the UI goroutine).
func (a *App) answerHelp(id string) {
	if err := a.eng.AnswerHelp(id); err != nil {
		dialog.ShowInformation(T(a.lang, "help.desk.go"), fmt.Sprintf(T(a.lang, "help.desk.failed"), err), a.win)
	}
	a.drawHelp(a.eng.View())
}

// HelpBanner is the desk's banner of calls as shown (for tests): one text
// per call. It waits for UI work under way; not for use from UI work.
func (a *App) HelpBanner() []string {
	a.uiMu.Lock()
	defer a.uiMu.Unlock()
	if a.helpBanner == nil {
		return nil
	}
	var out []string
	for _, o := range a.helpBanner.Objects {
		out = append(out, richText(o))
	}
	return out
}

// richText is the text of an onColour band inside o.
func richText(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.RichText:
		return x.String()
	case *fyne.Container:
		for _, c := range x.Objects {
			if s := richText(c); s != "" {
				return s
			}
		}
	}
	return ""
}
