package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/prefill"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// details is what an officer or notary needs beyond the badge: each
// verdict with its reason, the signer and trust anchor, how the chip was
// opened, and any QR-versus-chip warnings.
func (a *App) details(p *prefill.Person) fyne.CanvasObject {
	rows := container.New(layout.NewFormLayout())
	add := func(k, v string) {
		if v == "" {
			return
		}
		rows.Add(widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
	}
	add("det.provenance", string(p.Provenance))
	if v := p.Verification; v != nil {
		add("det.passive", v.Passive)
		add("det.passive_why", v.PassiveReason)
		add("det.chip_auth", v.ChipAuth)
		add("det.chip_why", v.ChipAuthReason)
		add("det.signer", v.Signer)
		add("det.csca", v.CSCA)
	}
	if r := a.lastRead; r != nil {
		add("det.access", r.Access)
		add("det.groups", strings.Join(r.DataGroups, ", "))
		add("det.warnings", strings.Join(r.Warnings, "\n"))
	}
	return widget.NewCard(T(a.lang, "desk.details"), "", rows)
}

// statusBar shows the desk what the machine is doing: reader, card,
// network, outbox depth and last sync. Counts are read off the UI goroutine.
type statusBar struct {
	a       *App
	label   *widget.Label
	mu      sync.Mutex
	card    bool
	gone    bool
	offline bool
	known   bool // a sync pass has reported
	last    time.Time
	depth   int
	kick    chan struct{}
}

func newStatusBar(a *App) *statusBar {
	return &statusBar{a: a, label: widget.NewLabel(""), kick: make(chan struct{}, 1)}
}

func (s *statusBar) object() fyne.CanvasObject { return s.label }

// start counts the outbox every few seconds (and on refresh) until ctx ends.
func (s *statusBar) start(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			s.count()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-s.kick:
			}
		}
	}()
}

// count reads the outbox depth and redraws.
func (s *statusBar) count() {
	counts, err := s.a.cfg.Outbox.Counts()
	s.mu.Lock()
	if err == nil {
		s.depth = counts[outbox.Pending] + counts[outbox.Sending] + counts[outbox.NeedsAttention]
	}
	s.mu.Unlock()
	s.a.do(s.draw)
}

func (s *statusBar) refresh() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *statusBar) setCard(present bool) {
	s.mu.Lock()
	s.card, s.gone = present, false
	s.mu.Unlock()
	s.draw()
}

func (s *statusBar) setReaderGone() {
	s.mu.Lock()
	s.gone = true
	s.mu.Unlock()
	s.draw()
}

func (s *statusBar) isOffline() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offline
}

// SyncObserved takes a sync pass outcome (wire it to worker.Config.OnDrain).
// It may be called from any goroutine.
func (a *App) SyncObserved(st worker.Stats, err error) {
	s := a.bar
	s.mu.Lock()
	s.known = true
	s.offline = st.Offline || err != nil
	if !s.offline {
		s.last = a.cfg.Now()
	}
	s.mu.Unlock()
	s.refresh()
}

func (s *statusBar) draw() {
	l := s.a.lang
	s.mu.Lock()
	defer s.mu.Unlock()
	card := T(l, "status.nocard")
	if s.card {
		card = T(l, "status.card")
	}
	reader := s.a.cfg.Terminal.Name()
	if s.gone {
		reader += " ✘"
	}
	network := T(l, "status.queueonly")
	if s.a.cfg.Worker != nil {
		switch {
		case !s.known:
			network = "…"
		case s.offline:
			network = T(l, "status.offline")
		default:
			network = T(l, "status.online")
		}
	}
	last := T(l, "status.never")
	if !s.last.IsZero() {
		last = s.last.Format("15:04:05")
	}
	s.label.SetText(fmt.Sprintf("%s: %s (%s)   ·   %s: %s   ·   %s: %d   ·   %s: %s",
		T(l, "status.reader"), reader, card, T(l, "status.network"), network,
		T(l, "status.outbox"), s.depth, T(l, "status.lastsync"), last))
}

// showOutbox lists the newest submissions with their state: pending,
// sending, accepted with the provincial dossier code, rejected with the
// reason, needing attention with a retry button.
func (a *App) showOutbox() {
	back := action(T(a.lang, "back"), false, a.rerender)
	list := container.NewVBox(widget.NewLabel("…"))
	a.show("outbox", container.NewBorder(big(T(a.lang, "desk.outbox")), container.NewCenter(container.NewHBox(
		action(T(a.lang, "desk.refresh"), false, a.showOutbox), back)), nil, nil, container.NewVScroll(list)))
	a.goIO(func() {
		recs, err := a.cfg.Outbox.List(outbox.Filter{})
		a.do(func() {
			if a.Screen() != "outbox" {
				return
			}
			list.Objects = nil
			if err != nil {
				list.Add(widget.NewLabel(err.Error()))
			}
			if len(recs) == 0 && err == nil {
				list.Add(widget.NewLabel(T(a.lang, "desk.empty")))
			}
			if len(recs) > 200 {
				recs = recs[len(recs)-200:]
			}
			for i := len(recs) - 1; i >= 0; i-- {
				list.Add(a.outboxRow(recs[i]))
			}
			list.Refresh()
		})
	})
}

func (a *App) outboxRow(r outbox.Record) fyne.CanvasObject {
	text := fmt.Sprintf("%s  %s  %s  %s", r.CreatedAt.Local().Format("02/01 15:04"), shortRef(r.UUID), r.Service, r.State)
	switch r.State {
	case outbox.Accepted:
		text += "  " + r.DossierCode
		if n := outbox.StatusName(r.ProvincialStatus); n != "" {
			text += " (" + n + ")"
		}
	case outbox.Rejected, outbox.NeedsAttention:
		text += "  — " + r.Reason
	case outbox.Pending:
		if r.Attempts > 0 {
			text += fmt.Sprintf("  (%d×: %s)", r.Attempts, r.LastError)
		}
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	if r.State != outbox.NeedsAttention {
		return l
	}
	id := r.UUID
	retry := widget.NewButton(T(a.lang, "desk.retry"), func() {
		a.goIO(func() {
			err := a.cfg.Outbox.Requeue(id)
			if err == nil && a.cfg.Worker != nil {
				a.cfg.Worker.Notify()
			}
			a.do(a.showOutbox)
		})
	})
	return container.NewBorder(nil, nil, nil, retry, l)
}
