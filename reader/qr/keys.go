package qr

import (
	"time"
)

// NoExpiry is the MRZ expiry of a card that never expires.
const NoExpiry = "991231"

// BACKey is one candidate set of inputs for Basic Access Control, in MRZ
// form. BAC needs the expiry date, which the QR does not carry, so a QR
// gives a few candidates; try them in order, one mutual authentication each.
type BACKey struct {
	DocumentNumber string // last 9 digits of the ID number
	DateOfBirth    string // YYMMDD
	DateOfExpiry   string // YYMMDD, NoExpiry for a card that never expires
}

// BACKeys returns the BAC key candidates for the card that printed this QR,
// most likely first. PACE with CAN (see CAN) is preferred; BAC is the
// fallback for chips that do not do PACE.
func (p *Payload) BACKeys() []BACKey {
	dob, err1 := time.Parse(isoDate, p.DateOfBirth)
	issue, err2 := time.Parse(isoDate, p.DateOfIssue)
	if err1 != nil || err2 != nil || len(p.IDNumber) != 12 {
		return nil
	}
	var keys []BACKey
	for _, exp := range ExpiryCandidates(dob, issue, p.Generation) {
		keys = append(keys, BACKey{DocumentNumber: p.IDNumber[3:], DateOfBirth: dob.Format("060102"), DateOfExpiry: exp})
	}
	return keys
}

// lawChange is when the Luật Căn cước 2023 took effect: cards issued from
// then on follow its renewal ages.
var lawChange = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

// Renewal ages: a card expires on the holder's birthday at the first of
// these ages that is more than two years after the issue date.
var (
	milestones2014 = []int{25, 40, 60}
	milestones2023 = []int{14, 25, 40, 60}
)

// boundarySlack is how close to a rule boundary an issue date must be for
// both readings of the rule to become candidates (the boundary cases are
// unverified).
const boundarySlack = 7 * 24 * time.Hour

// ExpiryCandidates computes the MRZ expiry dates (YYMMDD, or NoExpiry) a card
// issued on issue to someone born on dob may carry, most likely first:
// a card expires on the holder's birthday at the next renewal age (25, 40, 60;
// from 1/7/2024 also 14), a card issued within two years before a renewal age
// is valid to the following one, and one issued at 58 or later never
// expires. Near a window boundary, near the 2024 law change, for a 29 February
// birthday, or when the generation and issue date disagree on the law, the
// other readings are added. At most a handful of dates are returned.
func ExpiryCandidates(dob, issue time.Time, gen Generation) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	primary, secondary := milestones2014, milestones2023
	if !issue.Before(lawChange) {
		primary, secondary = milestones2023, milestones2014
	}
	laws := [][]int{primary}
	d := issue.Sub(lawChange)
	if d < 0 {
		d = -d
	}
	if d <= 31*24*time.Hour || (gen == GenerationCanCuoc) != (!issue.Before(lawChange)) {
		laws = append(laws, secondary)
	}
	for _, law := range laws {
		for _, e := range expiries(dob, issue, law) {
			add(e)
		}
	}
	return out
}

// expiries applies one law: the main answer first, then the answers for a
// shifted boundary and a 29 February birthday.
func expiries(dob, issue time.Time, ages []int) []string {
	var out []string
	for _, slack := range []time.Duration{0, -boundarySlack, boundarySlack} {
		at := issue.Add(slack)
		out = append(out, expiryFor(dob, at, ages)...)
	}
	return out
}

func expiryFor(dob, issue time.Time, ages []int) []string {
	for _, age := range ages {
		bday := birthday(dob, age)
		if issue.Before(bday.AddDate(-2, 0, 0)) {
			out := []string{bday.Format("060102")}
			if dob.Month() == time.February && dob.Day() == 29 && bday.Month() == time.March {
				// Not a leap year: 28 February or 1 March.
				out = append(out, bday.AddDate(0, 0, -1).Format("060102"))
			}
			return out
		}
	}
	return []string{NoExpiry}
}

// birthday is the holder's birthday in the year they turn age. 29 February
// becomes 1 March in a common year (time.Date's normalisation).
func birthday(dob time.Time, age int) time.Time {
	return time.Date(dob.Year()+age, dob.Month(), dob.Day(), 0, 0, 0, 0, time.UTC)
}
