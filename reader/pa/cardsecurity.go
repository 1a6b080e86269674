package pa

import (
	"errors"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// VerifyCardSecurity verifies EF.CardSecurity as EF.SOD is verified: the
// signature with the document signer certificate it carries, that signer
// valid when it signed (signingTime, else today), and its chain to a
// trusted CSCA. Reasons name EF.CardSecurity. Whether EF.CardAccess agrees
// with the signed content is the caller's check (lds.MissingFrom).
func VerifyCardSecurity(raw []byte, store *TrustStore, now time.Time) Result {
	cs, err := lds.ParseCardSecurity(raw)
	if err != nil {
		return failed("%v", err)
	}
	signer, si, err := checkSignedData(cs.SignedData, "EF.CardSecurity")
	if err != nil {
		return failed("%v", err)
	}
	res := Result{Signer: signer.Subject}
	at, basis, err := signedAt(si, nil, now)
	if err != nil {
		return failed("EF.CardSecurity: %v", err)
	}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	switch {
	case at.After(now.Add(24 * time.Hour)):
		return failed("EF.CardSecurity claims to be signed on %s, in the future", day(at))
	case at.After(signer.NotAfter) || at.Before(signer.NotBefore):
		return failed("EF.CardSecurity's signer certificate (valid %s to %s) was not valid when it signed on %s (%s)",
			day(signer.NotBefore), day(signer.NotAfter), day(at), basis)
	}
	if store == nil || len(store.CSCAs) == 0 {
		res.Verdict, res.Reason = cccd.PassiveChainUnknown, ReasonNoTrustStore
		return res
	}
	ca, err := store.Issuer(signer)
	switch {
	case errors.Is(err, errNoCSCA):
		res.Verdict, res.Reason = cccd.PassiveChainUnknown, noCSCA+" for the signer of EF.CardSecurity"
		return res
	case err != nil:
		return failed("EF.CardSecurity: %v", err)
	case store.Revoked(ca, signer.Serial):
		return failed("EF.CardSecurity's signer certificate is revoked")
	}
	res.Verdict, res.CSCA = cccd.PassiveVerified, ca.Subject
	return res
}
