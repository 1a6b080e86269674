package pa

import (
	"sort"
	"strings"
	"time"
)

// CSCA validity as the operator sees it today. An expired CSCA still
// anchors documents signed while it was valid, so it is listed, not hidden.
const (
	CSCAValid       = "valid"
	CSCAExpired     = "expired"
	CSCANotYetValid = "not_yet_valid"
)

// CSCAInfo is one CSCA of the trust store as `motcua trust list` and the
// app's operator screen show it.
type CSCAInfo struct {
	Country   string // the subject's C, upper case; "??" when absent
	Subject   string
	Serial    string // hexadecimal
	NotBefore time.Time
	NotAfter  time.Time
	Status    string // CSCAValid, CSCAExpired or CSCANotYetValid at the time asked
}

// List describes the store's CSCAs at now, by country, then subject, then
// validity. A nil store lists nothing.
func (ts *TrustStore) List(now time.Time) []CSCAInfo {
	if ts == nil {
		return nil
	}
	out := make([]CSCAInfo, 0, len(ts.CSCAs))
	for _, c := range ts.CSCAs {
		e := CSCAInfo{Country: c.Country(), Subject: c.Subject, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Status: CSCAValid}
		if e.Country == "" {
			e.Country = "??"
		}
		if c.Serial != nil {
			e.Serial = c.Serial.Text(16)
		}
		switch {
		case now.After(c.NotAfter):
			e.Status = CSCAExpired
		case now.Before(c.NotBefore):
			e.Status = CSCANotYetValid
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Country != out[j].Country {
			return out[i].Country < out[j].Country
		}
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].NotBefore.Before(out[j].NotBefore)
	})
	return out
}

// Reasons of a chain_unknown verdict whose cause is a missing certificate
// of the issuing authority: the front ends say so in plain words.
const (
	ReasonNoTrustStore = "no trust store configured"
	ReasonNoCSCA       = noCSCA + " for this document signer: the card's signature is intact, but who issued it cannot be confirmed"
	noCSCA             = "no certificate of the issuing authority (CSCA) installed"
)

// NoIssuerCSCA reports whether a Passive Authentication reason says that
// no CSCA of the document's issuer is installed (none at all, or none for
// this signer): the signature is intact, only the trust anchor is missing.
func NoIssuerCSCA(reason string) bool {
	return reason == ReasonNoTrustStore || strings.HasPrefix(reason, noCSCA)
}
