// Package gatewaytest is a social-insurance (BHXH) gateway for tests and
// pilots that speaks the contract public hospital integrations call
// (REFERENCE.md section 10), quirks included:
//
//   - login at /api/token/take with username and password (the password as
//     MD5 hex, either case, or plain, as the account is set up), answering
//     {"maKetQua": "200", "APIKey": {access_token, id_token, token_type,
//     username, expires_in}} with expires_in a date-time string (or a number
//     of seconds when ExpiresAsSeconds is set);
//   - the card look-up at /api/egw/KQNhanLichSuKCB2024 and the visit history
//     at /api/egw/Lskcb2025, each with token, id_token, username and
//     password in the query and maThe, hoTen, ngaySinh, hoTenCb, cccdCb in
//     the body (JSON or form, whichever the gateway is set to accept: the
//     other is refused);
//   - a stale or wrong token answers HTTP 200 with maKetQua "401";
//   - tokens expire by the gateway's clock (Now), mid-day if TokenTTL says so.
//
// It refuses what the real one refuses: an unknown account, a password in
// the wrong encoding, a token from another account, a body in the other
// encoding, a staff member who is not registered (054) or whose name
// differs (055).
package gatewaytest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
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
	DOB      string // dd/MM/yyyy, or yyyy for a year-only birth, as the gateway stores it
	Sex      string // "Nam" / "Nữ"
	From, To time.Time
	Facility string // maDKBD
	// FiveYears is ngayDu5Nam (dd/MM/yyyy), when known.
	FiveYears string
	// NewCard is a renewed card, when one was issued (codes 003/004).
	NewCard *NewCard
	// Visits are the history items Lskcb2025 lists, as the gateway sends them.
	Visits []map[string]any
}

// NewCard is a renewed card.
type NewCard struct {
	CardCode string
	From, To time.Time
	Facility string
	Name     string // tenDKBDMoi
}

// Gateway is the test gateway's state. Set fields before serving.
type Gateway struct {
	mu sync.Mutex
	// Accounts maps a facility account to its password as issued.
	Accounts map[string]string
	// PlainPasswords: the gateway takes the password plain; otherwise it
	// takes its MD5 hex (either case), as most integrations send it.
	PlainPasswords bool
	// FormBodies makes the look-up take form bodies (and refuse JSON);
	// JSONHistory makes the history take JSON (and refuse forms). The
	// defaults follow the integrations: JSON look-ups, form history.
	FormBodies  bool
	JSONHistory bool
	// ExpiresAsSeconds answers expires_in as a number of seconds.
	ExpiresAsSeconds bool
	// Staff maps registered staff ID numbers to their names.
	Staff    map[string]string
	People   []Insured
	TokenTTL time.Duration
	Now      func() time.Time

	tokens map[string]session

	// Logins and Lookups count requests served, for tests.
	Logins, Lookups, Histories int
	// LastContentType is the last look-up's Content-Type, for tests.
	LastContentType string
}

type session struct {
	idToken, user string
	until         time.Time
}

// New makes a gateway with no data.
func New() *Gateway {
	return &Gateway{Accounts: map[string]string{}, Staff: map[string]string{}, TokenTTL: time.Hour, Now: time.Now, tokens: map[string]session{}}
}

// ExpireTokens makes every issued token invalid (to test renewal).
func (g *Gateway) ExpireTokens() {
	g.mu.Lock()
	g.tokens = map[string]session{}
	g.mu.Unlock()
}

var vnZone = time.FixedZone("ICT", 7*3600)

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// body reads a request body as JSON (keys compared case-insensitively, as
// the gateway's model binding does) or as a form, whichever wantForm says;
// ok is false for the other encoding.
func body(r *http.Request, wantForm bool) (map[string]string, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return nil, false
	}
	out := map[string]string{}
	if wantForm {
		if mt != "application/x-www-form-urlencoded" {
			return nil, false
		}
		f, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, false
		}
		for k := range f {
			out[strings.ToLower(k)] = f.Get(k)
		}
		return out, true
	}
	if mt != "application/json" {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[strings.ToLower(k)] = s
		}
	}
	return out, true
}

func (g *Gateway) passwordOK(user, sent string) bool {
	pw, ok := g.Accounts[user]
	if !ok {
		return false
	}
	if g.PlainPasswords {
		return sent == pw
	}
	s := md5.Sum([]byte(pw))
	return strings.EqualFold(sent, hex.EncodeToString(s[:]))
}

// ServeHTTP implements the three endpoints.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch r.URL.Path {
	case "/api/token/take":
		g.login(w, r)
	case "/api/egw/KQNhanLichSuKCB2024":
		in, ok := g.authorised(w, r, g.FormBodies)
		if !ok {
			return
		}
		g.Lookups++
		g.LastContentType = r.Header.Get("Content-Type")
		write(w, http.StatusOK, g.lookup(in))
	case "/api/egw/Lskcb2025":
		in, ok := g.authorised(w, r, !g.JSONHistory)
		if !ok {
			return
		}
		g.Histories++
		write(w, http.StatusOK, g.history(in))
	default:
		http.NotFound(w, r)
	}
}

func (g *Gateway) login(w http.ResponseWriter, r *http.Request) {
	// Integrations post the login as JSON or as a form: both are taken.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	in, ok := body(r, mt == "application/x-www-form-urlencoded")
	if !ok || in["username"] == "" {
		write(w, http.StatusBadRequest, map[string]string{"maKetQua": "400", "ghiChu": "Thiếu thông tin đăng nhập"})
		return
	}
	g.Logins++
	if !g.passwordOK(in["username"], in["password"]) {
		write(w, http.StatusOK, map[string]string{"maKetQua": "401", "ghiChu": "Tài khoản hoặc mật khẩu không đúng"})
		return
	}
	tok, idt := random(), random()
	until := g.Now().Add(g.TokenTTL)
	g.tokens[tok] = session{idToken: idt, user: in["username"], until: until}
	var exp any = until.In(vnZone).Format("2006-01-02T15:04:05")
	if g.ExpiresAsSeconds {
		exp = int(g.TokenTTL.Seconds())
	}
	write(w, http.StatusOK, map[string]any{"maKetQua": "200", "APIKey": map[string]any{
		"access_token": tok, "id_token": idt, "token_type": "Bearer", "username": in["username"], "expires_in": exp}})
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// authorised checks the query credentials and reads the body; it answers
// the refusal itself.
func (g *Gateway) authorised(w http.ResponseWriter, r *http.Request, wantForm bool) (map[string]string, bool) {
	q := r.URL.Query()
	s, ok := g.tokens[q.Get("token")]
	if !ok || !g.Now().Before(s.until) || s.idToken != q.Get("id_token") || s.user != q.Get("username") || !g.passwordOK(q.Get("username"), q.Get("password")) {
		write(w, http.StatusOK, map[string]string{"maKetQua": "401", "ghiChu": "Token không hợp lệ hoặc đã hết hạn"})
		return nil, false
	}
	in, ok := body(r, wantForm)
	if !ok {
		write(w, http.StatusBadRequest, map[string]string{"maKetQua": "400", "ghiChu": "Dữ liệu đầu vào không đúng định dạng"})
		return nil, false
	}
	return in, true
}

func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

// dobMatches compares the sent date (dd/MM/yyyy or yyyy) with the record.
func dobMatches(record, sent string) bool {
	if len(sent) == 4 {
		return strings.HasSuffix(record, sent)
	}
	return record == sent
}

func (g *Gateway) find(in map[string]string) (*Insured, map[string]any) {
	name, ok := g.Staff[in["cccdcb"]]
	if !ok {
		return nil, map[string]any{"maKetQua": "054", "ghiChu": "Cán bộ chưa được đăng ký"}
	}
	if fold(name) != fold(in["hotencb"]) {
		return nil, map[string]any{"maKetQua": "055", "ghiChu": "Họ tên cán bộ không khớp"}
	}
	code := strings.TrimSpace(in["mathe"])
	for i := range g.People {
		p := &g.People[i]
		if code == "" || (p.IDNumber != code && p.CardCode != code) {
			continue
		}
		switch {
		case fold(p.FullName) != fold(in["hoten"]) && strings.EqualFold(strip(p.FullName), strip(in["hoten"])):
			return nil, map[string]any{"maKetQua": "061", "ghiChu": "Họ tên sai dấu"}
		case fold(p.FullName) != fold(in["hoten"]):
			return nil, map[string]any{"maKetQua": "060", "ghiChu": "Họ tên không đúng"}
		case !dobMatches(p.DOB, in["ngaysinh"]):
			return nil, map[string]any{"maKetQua": "070", "ghiChu": "Ngày sinh không đúng"}
		}
		return p, nil
	}
	return nil, map[string]any{"maKetQua": "050", "ghiChu": "Không có thông tin thẻ"}
}

func (g *Gateway) lookup(in map[string]string) map[string]any {
	p, refusal := g.find(in)
	if refusal != nil {
		return refusal
	}
	now := g.Now()
	res := map[string]any{"maThe": p.CardCode, "hoTen": p.FullName, "ngaySinh": p.DOB, "gioiTinh": p.Sex,
		"maDKBD": p.Facility, "gtTheTu": p.From.Format("02/01/2006"), "gtTheDen": p.To.Format("02/01/2006"),
		"ngayDu5Nam": p.FiveYears, "maSoBHXH": p.CardCode[len(p.CardCode)-10:], "dsLichSuKCB2018": nil, "dsLichSuKT2018": nil}
	expired := now.After(p.To)
	switch {
	case p.NewCard != nil:
		res["maTheMoi"], res["maDKBDMoi"], res["tenDKBDMoi"] = p.NewCard.CardCode, p.NewCard.Facility, p.NewCard.Name
		res["gtTheTuMoi"], res["gtTheDenMoi"] = p.NewCard.From.Format("02/01/2006"), p.NewCard.To.Format("02/01/2006")
		res["maKetQua"], res["ghiChu"] = "004", "Thẻ cũ còn giá trị, đã cấp thẻ mới"
		if expired {
			res["maKetQua"], res["ghiChu"] = "003", "Thẻ cũ hết giá trị, đã cấp thẻ mới"
		}
	case expired:
		res["maKetQua"], res["ghiChu"] = "010", "Thẻ hết giá trị sử dụng"
	default:
		res["maKetQua"], res["ghiChu"] = "000", "Thẻ còn giá trị sử dụng"
	}
	return res
}

func (g *Gateway) history(in map[string]string) map[string]any {
	p, refusal := g.find(in)
	if refusal != nil {
		return refusal
	}
	return map[string]any{"maKetQua": "000", "dsLichSuKCB2025": p.Visits}
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
