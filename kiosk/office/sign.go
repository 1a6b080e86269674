package office

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// The headers that authenticate a message (see the package doc).
const (
	HeaderTime      = "Motcua-Office-Time"
	HeaderNonce     = "Motcua-Office-Nonce"
	HeaderSignature = "Motcua-Office-Signature"
)

// signature is the message's MAC under key (hex).
func signature(key *Key, method, path, ts, nonce string, body []byte) string {
	bh := sha256.Sum256(body)
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("motcua-office/v1\n" + method + "\n" + path + "\n" + ts + "\n" + nonce + "\n" + hex.EncodeToString(bh[:])))
	return hex.EncodeToString(m.Sum(nil))
}

// sign sets the authentication headers of req for body at now.
func sign(key *Key, req *http.Request, body []byte, now time.Time) error {
	var nb [16]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(now.Unix(), 10), hex.EncodeToString(nb[:])
	req.Header.Set(HeaderTime, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, signature(key, req.Method, req.URL.Path, ts, nonce, body))
	return nil
}

// verify checks req's signature over body and its time against now; it
// returns the nonce for the replay check (which comes after: a forged
// message must not fill the nonce cache).
func verify(key *Key, req *http.Request, body []byte, now time.Time, skew time.Duration) (string, error) {
	ts, nonce, sig := req.Header.Get(HeaderTime), req.Header.Get(HeaderNonce), req.Header.Get(HeaderSignature)
	if len(nonce) != 32 || !isHex(nonce) || len(sig) != 64 || len(ts) == 0 || len(ts) > 12 {
		return "", ErrBadSignature
	}
	want := signature(key, req.Method, req.URL.Path, ts, nonce, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "", ErrBadSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew || d < -skew {
		return "", ErrStale
	}
	return nonce, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
