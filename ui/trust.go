package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/reader/pa"
)

// The trust store on the operator screen (issue 20): what `motcua trust
// list` prints, by country with validity, so the operator sees at a glance
// whose documents can be verified here.

// trustSummary is the one line of the store: how many CSCAs of how many
// countries, where it lives (or that it is the demo's).
func (a *App) trustSummary(info engine.Info) string {
	var lines []string
	switch {
	case info.Demo:
		lines = append(lines, T(a.lang, "admin.trust.demo"))
	case info.TrustInfo == "" && len(info.Trust) == 0:
		return T(a.lang, "admin.notrust")
	case info.TrustInfo != "":
		lines = append(lines, info.TrustInfo)
	}
	if len(info.Trust) == 0 {
		lines = append(lines, T(a.lang, "admin.trust.empty"))
	} else {
		lines = append(lines, fmt.Sprintf(T(a.lang, "admin.trust.count"), len(info.Trust), len(byCountry(info.Trust))))
	}
	if n := len(info.TrustProblems); n > 0 {
		lines = append(lines, fmt.Sprintf(T(a.lang, "admin.trust.problems"), n))
	}
	return strings.Join(lines, "\n")
}

// byCountry groups the store's list (sorted by country) per country.
func byCountry(list []pa.CSCAInfo) [][]pa.CSCAInfo {
	var out [][]pa.CSCAInfo
	for i, c := range list {
		if i == 0 || c.Country != list[i-1].Country {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], c)
	}
	return out
}

// trustList is one fold per country: its count, how many are valid today
// and until when; opened, each CSCA with its validity.
func (a *App) trustList(info engine.Info) fyne.CanvasObject {
	acc := widget.NewAccordion()
	for _, group := range byCountry(info.Trust) {
		valid, until := 0, group[0].NotAfter
		var lines []string
		for _, c := range group {
			if c.Status == pa.CSCAValid {
				valid++
			}
			if c.NotAfter.After(until) {
				until = c.NotAfter
			}
			lines = append(lines, fmt.Sprintf("%s\n    %s – %s · %s", commonName(c.Subject),
				c.NotBefore.Format("02/01/2006"), c.NotAfter.Format("02/01/2006"), a.cscaStatus(c.Status)))
		}
		title := fmt.Sprintf(T(a.lang, "admin.trust.country"), group[0].Country, len(group), valid, until.Format("02/01/2006"))
		detail := widget.NewLabel(strings.Join(lines, "\n"))
		detail.Wrapping = fyne.TextWrapWord
		acc.Append(widget.NewAccordionItem(title, detail))
	}
	return acc
}

func (a *App) cscaStatus(s string) string {
	switch s {
	case pa.CSCAValid:
		return T(a.lang, "admin.trust.valid")
	case pa.CSCAExpired:
		return T(a.lang, "admin.trust.expired")
	}
	return T(a.lang, "admin.trust.notyet")
}

// commonName is the CN of a distinguished name ("CN=…,O=…,C=VN"), else
// the whole name.
func commonName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if cn, ok := strings.CutPrefix(strings.TrimSpace(part), "CN="); ok && cn != "" {
			return cn
		}
	}
	return dn
}
