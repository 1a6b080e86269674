package logx

import (
	"strings"
	"unicode"
)

// Key classes.
type keyClass int

const (
	keyPlain     keyClass = iota
	keySensitive          // value replaced by [redacted]
)

// sensitiveTokens are key words that always mark personal data or secrets.
var sensitiveTokens = map[string]bool{
	// names and relatives
	"fullname": true, "hoten": true, "ten": true, "father": true, "mother": true,
	"spouse": true, "parent": true, "parents": true, "holder": true, "citizen": true, "person": true,
	// addresses
	"address": true, "addr": true, "residence": true, "diachi": true, "quequan": true,
	"thuongtru": true, "street": true, "commune": true, "ward": true,
	// images
	"photo": true, "image": true, "img": true, "face": true, "picture": true, "portrait": true,
	"jpeg": true, "jpg": true, "dg2": true, "selfie": true,
	// card access and sensitive DG13 fields
	"can": true, "mrz": true, "ethnicity": true, "religion": true, "dantoc": true, "tongiao": true,
	"marks": true, "dg13": true, "dg1": true, "fingerprint": true, "dg3": true,
	// text from remote systems that may quote a citizen (a receiver's
	// rejection reason, sealed in the outbox as a record's detail; "lý do"
	// in iGate payloads). Callers log codes; this is the second line.
	"detail": true, "details": true, "lydo": true,
	// credentials
	"password": true, "passwd": true, "pin": true, "secret": true, "token": true, "authorization": true,
	"cookie": true,
}

// wholeKeys are sensitive as the entire key only ("identity", but not
// "apdus_to_identity").
var wholeKeys = map[string]bool{"identity": true, "card": true, "cardholder": true, "dg13data": true}

// nameOwners are words before "name" that make it harmless (a reader name,
// an application name), not a person's.
var nameOwners = map[string]bool{
	"reader": true, "app": true, "application": true, "device": true, "host": true, "service": true,
	"file": true, "terminal": true, "method": true, "route": true, "metric": true, "step": true,
	"event": true, "command": true, "cmd": true, "pkg": true, "package": true, "key": true,
	"table": true, "bucket": true, "state": true, "server": true, "test": true, "group": true,
	"field": true, "header": true, "cipher": true, "curve": true, "algorithm": true, "flag": true,
	"procedure": true, "form": true, "provider": true, "queue": true, "check": true,
}

// classify decides from an attribute key whether its value is personal.
func classify(key string) keyClass {
	toks := tokens(key)
	joined := strings.Join(toks, "")
	if sensitiveTokens[joined] || wholeKeys[joined] {
		return keySensitive
	}
	for i, t := range toks {
		if sensitiveTokens[t] {
			return keySensitive
		}
		if t == "name" || t == "names" {
			if i == 0 || !nameOwners[toks[i-1]] {
				return keySensitive
			}
		}
		if t == "place" { // place_of_origin, place_of_residence, place_of_birth
			return keySensitive
		}
	}
	for _, s := range []string{"fullname", "hoten", "diachi", "address", "photo", "image"} {
		if strings.Contains(joined, s) {
			return keySensitive
		}
	}
	return keyPlain
}

// tokens splits a key on punctuation and lower/upper case boundaries,
// lower-cased: "placeOfResidence" -> place, of, residence.
func tokens(key string) []string {
	var toks []string
	var cur []rune
	var prevLower bool
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range key {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				flush()
			}
			cur = append(cur, r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return toks
}
