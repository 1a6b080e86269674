package cccd

import "time"

// NoExpiry is the MRZ expiry date of a card that never expires.
const NoExpiry = "991231"

// Card-law renewal ages. A card is valid until the holder's birthday in the
// year of the next milestone age.
var (
	milestones2014 = []int{25, 40, 60}     // Luật CCCD 2014
	milestones2023 = []int{14, 25, 40, 60} // Luật Căn cước 2023, cards from 1/7/2024
)

// law2023Start is the day thẻ căn cước replaced CCCD.
var law2023Start = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

// ExpiryCandidates returns the MRZ expiry dates (YYMMDD) a card may carry,
// given the holder's date of birth and the card's issue date (both from the
// QR code), most likely first. The computed date is only a BAC key candidate:
// the chip or the printed card is authoritative. Rules whose edges the
// public texts leave open (the window boundary, 29 February, a missing issue
// date) yield every plausible date instead of a guess.
func ExpiryCandidates(dob, issue time.Time) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if dob.IsZero() {
		return []string{NoExpiry}
	}
	laws := [][]int{milestones2014, milestones2023}
	if !issue.IsZero() && !issue.Before(law2023Start) {
		laws = [][]int{milestones2023, milestones2014}
	}
	for _, ms := range laws {
		if issue.IsZero() {
			for _, m := range ms {
				for _, d := range birthdays(dob, m) {
					add(d.Format("060102"))
				}
			}
			continue
		}
		for _, e := range expiryUnderLaw(dob, issue, ms) {
			add(e)
		}
	}
	add(NoExpiry)
	return out
}

// expiryUnderLaw applies one law's milestones. Near the two-year window
// boundary (within a day) both readings are returned.
func expiryUnderLaw(dob, issue time.Time, ms []int) []string {
	var out []string
	for i, m := range ms {
		bdays := birthdays(dob, m)
		if !issue.Before(bdays[len(bdays)-1]) {
			continue // this milestone has passed
		}
		next := func() []string {
			if i+1 >= len(ms) {
				return []string{NoExpiry}
			}
			var s []string
			for _, d := range birthdays(dob, ms[i+1]) {
				s = append(s, d.Format("060102"))
			}
			return s
		}
		this := func() []string {
			var s []string
			for _, d := range bdays {
				s = append(s, d.Format("060102"))
			}
			return s
		}
		cutoff := bdays[0].AddDate(-2, 0, 0)
		diff := issue.Sub(cutoff)
		switch {
		case diff >= 24*time.Hour: // well inside the window: valid to the next milestone
			out = append(out, next()...)
		case diff <= -24*time.Hour:
			out = append(out, this()...)
		default: // on the boundary: both
			out = append(out, next()...)
			out = append(out, this()...)
		}
		return out
	}
	return []string{NoExpiry} // issued after the last milestone
}

// birthdays returns the holder's birthday in the year they turn age. For a
// 29 February birth in a common year it returns both 28 February and 1 March.
func birthdays(dob time.Time, age int) []time.Time {
	y := dob.Year() + age
	if dob.Month() == time.February && dob.Day() == 29 && !isLeap(y) {
		return []time.Time{
			time.Date(y, time.February, 28, 0, 0, 0, 0, time.UTC),
			time.Date(y, time.March, 1, 0, 0, 0, 0, time.UTC),
		}
	}
	return []time.Time{time.Date(y, dob.Month(), dob.Day(), 0, 0, 0, 0, time.UTC)}
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
