package intake

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Credential kinds, the prefix of a credential hash.
const (
	CredToken = "token" // a bearer token
	CredCert  = "cert"  // a client certificate (its DER)
)

// CredentialHash is how a credential is stored and looked up:
// "token:" + hex SHA-256 of the token, or "cert:" + hex SHA-256 of the
// certificate's DER (its usual fingerprint). Tokens are 256-bit random, so
// a fast hash suffices: there is nothing to brute-force.
func CredentialHash(kind string, secret []byte) string {
	sum := sha256.Sum256(secret)
	return kind + ":" + hex.EncodeToString(sum[:])
}

// NewDeviceToken returns a fresh random bearer token (shown once at
// enrolment; only its hash is stored).
func NewDeviceToken() string {
	var b [32]byte
	rand.Read(b[:])
	return "mcd_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// NewDeviceID returns a fresh random device ID.
func NewDeviceID() string {
	var b [8]byte
	rand.Read(b[:])
	return "dev-" + hex.EncodeToString(b[:])
}

// CertFingerprint returns the credential hash of the first certificate in
// a PEM file's contents.
func CertFingerprint(pemData []byte) (string, error) {
	for {
		var blk *pem.Block
		blk, pemData = pem.Decode(pemData)
		if blk == nil {
			return "", errors.New("intake: no PEM certificate found")
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return "", fmt.Errorf("intake: certificate: %w", err)
		}
		return CredentialHash(CredCert, blk.Bytes), nil
	}
}

// ParseFingerprint accepts a SHA-256 fingerprint in hex (colons allowed) and
// returns its credential hash.
func ParseFingerprint(s string) (string, error) {
	h := strings.ToLower(strings.ReplaceAll(s, ":", ""))
	if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
		return "", errors.New("intake: a certificate fingerprint is 64 hex digits (SHA-256 of the DER)")
	}
	return CredCert + ":" + h, nil
}

// NewDevice prepares an enrolment with a fresh ID.
func NewDevice(name string, creds []string, now time.Time) Device {
	return Device{ID: NewDeviceID(), Name: name, Credentials: creds, EnrolledAt: now.UTC()}
}

func (d Device) check() error {
	if d.ID == "" || len(d.ID) > 64 || d.ID == PilotDevice {
		return fmt.Errorf("intake: device ID %q is empty, too long or reserved", d.ID)
	}
	if d.Name == "" || len(d.Name) > 200 || !utf8.ValidString(d.Name) {
		return errors.New("intake: device name must be 1..200 bytes of UTF-8")
	}
	if len(d.Credentials) == 0 {
		return errors.New("intake: a device needs a token or a certificate")
	}
	for _, c := range d.Credentials {
		if !strings.HasPrefix(c, CredToken+":") && !strings.HasPrefix(c, CredCert+":") {
			return fmt.Errorf("intake: credential %q is not a credential hash", c)
		}
	}
	return nil
}
