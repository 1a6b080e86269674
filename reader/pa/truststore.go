package pa

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// OIDCSCAMasterList is id-icao-cscaMasterList, the content of a master list.
var OIDCSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// TrustStore holds the CSCA certificates and revocation lists the operator
// trusts. An empty store is a normal state: signatures still verify, but
// chains end as "chain unknown".
type TrustStore struct {
	CSCAs []*Cert
	// revoked maps a CSCA subject to the serials its CRLs revoke.
	revoked map[string]map[string]bool
	// Problems lists files that could not be used, for the operator.
	Problems []string
}

// NewTrustStore returns an empty store.
func NewTrustStore() *TrustStore { return &TrustStore{revoked: map[string]map[string]bool{}} }

// Add trusts a CSCA certificate.
func (ts *TrustStore) Add(c *Cert) {
	for _, have := range ts.CSCAs {
		if string(have.Raw) == string(c.Raw) {
			return
		}
	}
	ts.CSCAs = append(ts.CSCAs, c)
}

// LoadDir loads every master list (*.ml), certificate (*.pem, *.crt, *.cer,
// *.der) and revocation list (*.crl) in dir. Files that cannot be used are
// listed in Problems and do not stop the rest from loading.
func LoadDir(dir string) (*TrustStore, error) {
	ts := NewTrustStore()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	var crls []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".ml":
			err = ts.loadMasterList(path)
		case ".pem", ".crt", ".cer", ".der":
			err = ts.loadCerts(path)
		case ".crl":
			crls = append(crls, path)
			continue
		default:
			continue
		}
		if err != nil {
			ts.Problems = append(ts.Problems, err.Error())
		}
	}
	for _, path := range crls { // after the certificates that sign them
		if err := ts.loadCRL(path); err != nil {
			ts.Problems = append(ts.Problems, err.Error())
		}
	}
	sort.Strings(ts.Problems)
	return ts, nil
}

// blocks returns the DER blocks of a PEM file, or the file itself as DER.
func blocks(b []byte, typ string) [][]byte {
	var out [][]byte
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == typ || typ == "" {
			out = append(out, blk.Bytes)
		}
	}
	if len(out) == 0 && len(b) > 0 && b[0] == 0x30 {
		out = append(out, b)
	}
	return out
}

func (ts *TrustStore) loadCerts(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ders := blocks(b, "CERTIFICATE")
	if len(ders) == 0 {
		return fmt.Errorf("%s: no certificate", path)
	}
	for i, der := range ders {
		c, err := ParseCert(der)
		if err != nil {
			return fmt.Errorf("%s: certificate %d: %w", path, i+1, err)
		}
		ts.Add(c)
	}
	return nil
}

// loadMasterList reads an ICAO master list: CMS SignedData whose content is
// CscaMasterList { version, SET OF Certificate }. A list whose signature
// does not verify with the signer certificate it carries was altered and
// is not loaded. Whether the signer chains to a trusted CSCA is checked by
// `motcua trust import`, the way lists should arrive; a list placed in the
// folder by hand is trusted as installed (see README caveats).
func (ts *TrustStore) loadMasterList(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, der := range blocks(b, "") {
		ml, err := ParseMasterList(der, nil)
		if err != nil {
			return fmt.Errorf("%s: %w (not loaded)", path, err)
		}
		for _, c := range ml.CSCAs {
			ts.Add(c)
		}
		if ml.Unusable > 0 {
			return fmt.Errorf("%s: %d of %d certificates unusable", path, ml.Unusable, ml.Unusable+len(ml.CSCAs))
		}
	}
	return nil
}

func (ts *TrustStore) loadCRL(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, der := range blocks(b, "X509 CRL") {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		var issuer *Cert
		for _, c := range ts.CSCAs {
			if string(c.RawSubject) == string(crl.RawIssuer) {
				if err := verifySignature(c.PublicKey, crlAlgorithm(der), crl.RawTBSRevocationList, crl.Signature); err == nil {
					issuer = c
					break
				}
			}
		}
		if issuer == nil {
			return fmt.Errorf("%s: no trusted CSCA signed this CRL", path)
		}
		m := ts.revoked[string(issuer.RawSubject)]
		if m == nil {
			m = map[string]bool{}
			ts.revoked[string(issuer.RawSubject)] = m
		}
		for _, e := range crl.RevokedCertificateEntries {
			m[e.SerialNumber.String()] = true
		}
	}
	return nil
}

// crlAlgorithm extracts the outer signature algorithm of a CRL.
func crlAlgorithm(der []byte) (alg pkix.AlgorithmIdentifier) {
	var c struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}
	asn1.Unmarshal(der, &c)
	return c.Alg
}

// Revoked reports whether the CSCA's CRLs revoke serial.
func (ts *TrustStore) Revoked(csca *Cert, serial *big.Int) bool {
	return serial != nil && ts.revoked[string(csca.RawSubject)][serial.String()]
}

// Issuer returns the trusted CSCA that signed c. A CSCA whose name matches
// but whose key does not verify is not the issuer (key rollover keeps
// names): the chain is then unknown, not failed. A verifying CSCA that was
// not valid when c was issued is an error.
func (ts *TrustStore) Issuer(c *Cert) (*Cert, error) {
	for _, ca := range ts.CSCAs {
		if !c.IssuedBy(ca) || c.CheckSignatureFrom(ca) != nil {
			continue
		}
		if c.NotBefore.Before(ca.NotBefore.Add(-24*time.Hour)) || c.NotBefore.After(ca.NotAfter) {
			return nil, fmt.Errorf("document signer certificate issued outside the validity of CSCA %q", ca.Subject)
		}
		return ca, nil
	}
	return nil, errNoCSCA
}

var errNoCSCA = errors.New("no trusted CSCA for this document signer")
