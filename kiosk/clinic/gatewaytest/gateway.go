// Package gatewaytest is a working social-insurance gateway for tests and
// pilots: a facility account issues expiring tokens, registered staff look
// up synthetic insured people, and the answers use the gateway's result
// codes (000 valid, 010 expired, 050 no card, 060/061 name mismatch, 070
// date of birth mismatch, 054 staff not registered).
package gatewaytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Insured is a synthetic person with a BHYT card.
type Insured struct {
	IDNumber string
	CardCode string
	FullName string
	DOB      string // dd/mm/yyyy as the gateway stores it
	From, To time.Time
	Facility string
}

// Gateway is the test gateway's state.
type Gateway struct {
	mu       sync.Mutex
	Users    map[string]string // facility account -> password
	Staff    map[string]bool   // registered staff ID numbers
	People   []Insured
	TokenTTL time.Duration
	Now      func() time.Time
	tokens   map[string]time.Time
	// Lookups counts look-ups served, for tests.
	Lookups int
}

// New makes a gateway with no data.
func New() *Gateway {
	return &Gateway{Users: map[string]string{}, Staff: map[string]bool{}, TokenTTL: time.Hour, Now: time.Now, tokens: map[string]time.Time{}}
}

// ExpireTokens makes every issued token invalid (to test renewal).
func (g *Gateway) ExpireTokens() {
	g.mu.Lock()
	g.tokens = map[string]time.Time{}
	g.mu.Unlock()
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ServeHTTP implements the two endpoints.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/api/token/take":
		var in struct{ Username, Password string }
		if json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in) != nil {
			write(w, http.StatusBadRequest, map[string]string{"maKetQua": "400"})
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if pw, ok := g.Users[in.Username]; !ok || pw != in.Password {
			write(w, http.StatusUnauthorized, map[string]string{"maKetQua": "401"})
			return
		}
		b := make([]byte, 16)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		g.tokens[tok] = g.Now().Add(g.TokenTTL)
		write(w, http.StatusOK, map[string]any{"maKetQua": "200", "APIKey": map[string]any{
			"access_token": tok, "token_type": "Bearer", "expires_in": int(g.TokenTTL.Seconds())}})
	case "/api/egw/tracuu":
		g.mu.Lock()
		defer g.mu.Unlock()
		exp, ok := g.tokens[r.URL.Query().Get("token")]
		if !ok || g.Now().After(exp) {
			write(w, http.StatusUnauthorized, map[string]string{"maKetQua": "401"})
			return
		}
		var in struct {
			MaThe, HoTen, NgaySinh, HoTenCb, CccdCb string
		}
		if json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in) != nil {
			write(w, http.StatusBadRequest, map[string]string{"maKetQua": "400"})
			return
		}
		g.Lookups++
		write(w, http.StatusOK, g.lookup(in.MaThe, in.HoTen, in.NgaySinh, in.CccdCb))
	default:
		http.NotFound(w, r)
	}
}

func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

func (g *Gateway) lookup(code, name, dob, staffID string) map[string]string {
	if !g.Staff[staffID] {
		return map[string]string{"maKetQua": "054"}
	}
	for _, p := range g.People {
		if p.IDNumber != code && p.CardCode != code {
			continue
		}
		switch {
		case fold(p.FullName) != fold(name) && strings.EqualFold(strip(p.FullName), strip(name)):
			return map[string]string{"maKetQua": "061"}
		case fold(p.FullName) != fold(name):
			return map[string]string{"maKetQua": "060"}
		case p.DOB != dob:
			return map[string]string{"maKetQua": "070"}
		}
		res := map[string]string{"maThe": p.CardCode, "gtTheTu": p.From.Format("02/01/2006"), "gtTheDen": p.To.Format("02/01/2006"), "maDKBD": p.Facility}
		res["maKetQua"] = "000"
		if g.Now().After(p.To) {
			res["maKetQua"] = "010"
		}
		return res
	}
	return map[string]string{"maKetQua": "050"}
}

// strip removes Vietnamese accents for the 061 (accent mismatch) case.
func strip(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x300 && r <= 0x36F {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'd'
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
