package pa

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/lds"
)

// Result is the outcome of Passive Authentication, never collapsed into one
// boolean.
type Result struct {
	Verdict string // cccd.PassiveVerified, PassiveChainUnknown, PassiveFailed
	Reason  string // why, for chain_unknown and failed
	Signer  string // document signer subject
	CSCA    string // trust anchor subject when the chain is complete
	// Checked lists the data groups whose hashes matched.
	Checked []lds.FileID
	// Info is information that does not change the verdict (a document
	// signer that has expired since it signed).
	Info string
}

// signedAt is when EF.SOD was signed, for the signer's validity: the
// signed signingTime attribute, else the document's date of issue (DG13),
// else now. basis says which.
func signedAt(si cms.SignerInfo, files map[lds.FileID][]byte, now time.Time) (time.Time, string, error) {
	t, ok, err := si.SigningTime()
	if err != nil {
		return time.Time{}, "", fmt.Errorf("EF.SOD: %v", err)
	}
	if ok {
		return t, "its signingTime", nil
	}
	if b := files[lds.DG13]; b != nil {
		if d, err := lds.ParseDG13(b); err == nil {
			if issued, err := time.Parse("2006-01-02", d.Identity().DateOfIssue); err == nil {
				return issued, "the card's date of issue", nil
			}
		}
	}
	return now, "no signing time given: judged today", nil
}

func failed(format string, a ...any) Result {
	return Result{Verdict: cccd.PassiveFailed, Reason: fmt.Sprintf(format, a...)}
}

// Verify runs Passive Authentication over the files read from the chip.
// sod is EF.SOD as read (nil when it could not be read); files holds the data
// groups read; store may be nil (no trust store configured). now is the
// time the signer's validity is judged at.
func Verify(sod []byte, files map[lds.FileID][]byte, store *TrustStore, now time.Time) Result {
	if len(sod) == 0 {
		return failed("EF.SOD could not be read")
	}
	s, err := lds.ParseSOD(sod)
	if err != nil {
		return failed("EF.SOD is malformed: %v", err)
	}
	// 1. Every data group read must be covered and match.
	var ids []lds.FileID
	for id := range files {
		if id >= 1 && id <= 16 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var checked []lds.FileID
	for _, id := range ids {
		want, ok := s.Hashes[id]
		if !ok {
			return failed("%s is not covered by EF.SOD", id)
		}
		h := s.HashAlgorithm.New()
		h.Write(files[id])
		if !bytes.Equal(h.Sum(nil), want) {
			return failed("%s does not match its hash in EF.SOD: the data was altered after signing", id)
		}
		checked = append(checked, id)
	}
	// 2. The document signer's signature over the security object.
	sd := s.SignedData
	if len(sd.SignerInfos) != 1 {
		return failed("EF.SOD has %d signatures, want 1", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	signer, err := findSigner(si, sd.Certificates)
	if err != nil {
		return failed("%v", err)
	}
	digestHash, err := cms.HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return failed("unknown digest algorithm: %v", err)
	}
	signed := sd.Content
	if si.SignedAttrsDER != nil {
		md, err := si.MessageDigest()
		if err != nil {
			return failed("%v", err)
		}
		h := digestHash.New()
		h.Write(sd.Content)
		if !bytes.Equal(h.Sum(nil), md) {
			return failed("EF.SOD message digest does not match its content")
		}
		// The signed content-type attribute must name the content actually
		// carried (RFC 5652 §11.1): an LDS security object, or id-data.
		ct, ok := si.Attr(cms.OIDContentType)
		var ctOID asn1.ObjectIdentifier
		if !ok {
			return failed("EF.SOD has no signed content-type attribute")
		}
		if _, err := asn1.Unmarshal(ct.FullBytes, &ctOID); err != nil || !ctOID.Equal(sd.ContentType) {
			return failed("EF.SOD signed content type does not match its content (%s)", sd.ContentType)
		}
		signed = si.SignedAttrsDER
	}
	if err := verifyWithHint(signer.PublicKey, si.SignatureAlgorithm, digestHash, signed, si.Signature); err != nil {
		if errors.Is(err, ErrUnknownAlgorithm) {
			return failed("EF.SOD signature: %v", err)
		}
		return failed("EF.SOD signature does not verify with the document signer's key")
	}
	res := Result{Signer: signer.Subject, Checked: checked}
	// 3. The signer must have been valid when it signed: document signer
	// certificates are short-lived by design, documents last a decade.
	at, basis, err := signedAt(si, files, now)
	if err != nil {
		return Result{Verdict: cccd.PassiveFailed, Signer: signer.Subject, Checked: checked, Reason: err.Error()}
	}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	switch {
	case at.After(now.Add(24 * time.Hour)):
		return Result{Verdict: cccd.PassiveFailed, Signer: signer.Subject, Checked: checked,
			Reason: fmt.Sprintf("EF.SOD claims to be signed on %s (%s), in the future", day(at), basis)}
	case at.After(signer.NotAfter):
		return Result{Verdict: cccd.PassiveFailed, Signer: signer.Subject, Checked: checked,
			Reason: fmt.Sprintf("document signer certificate expired on %s, before EF.SOD was signed on %s (%s)", day(signer.NotAfter), day(at), basis)}
	case at.Before(signer.NotBefore):
		return Result{Verdict: cccd.PassiveFailed, Signer: signer.Subject, Checked: checked,
			Reason: fmt.Sprintf("document signer certificate was not valid yet when EF.SOD was signed on %s (%s); valid from %s", day(at), basis, day(signer.NotBefore))}
	case now.After(signer.NotAfter):
		res.Info = fmt.Sprintf("document signer expired since %s; it was valid when it signed on %s (%s)", day(signer.NotAfter), day(at), basis)
	}
	// 4. The chain to a trusted CSCA.
	if store == nil || len(store.CSCAs) == 0 {
		res.Verdict, res.Reason = cccd.PassiveChainUnknown, ReasonNoTrustStore
		return res
	}
	ca, err := store.Issuer(signer)
	if errors.Is(err, errNoCSCA) {
		res.Verdict, res.Reason = cccd.PassiveChainUnknown, ReasonNoCSCA
		return res
	}
	if err != nil {
		res.Verdict, res.Reason = cccd.PassiveFailed, err.Error()
		return res
	}
	if store.Revoked(ca, signer.Serial) {
		res.Verdict, res.Reason = cccd.PassiveFailed, "document signer certificate is revoked"
		return res
	}
	res.Verdict, res.CSCA = cccd.PassiveVerified, ca.Subject
	return res
}
