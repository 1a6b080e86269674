package clinic

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"motcua/reader/cccd"
)

// The gateway's paths (REFERENCE.md section 10: Công văn 1923/BHXH-CNTT for
// the card look-up, 2746/BHXH-CNTT for the visit history).
const (
	pathToken   = "/api/token/take"
	pathLookup  = "/api/egw/KQNhanLichSuKCB2024"
	pathHistory = "/api/egw/Lskcb2025"
)

// Hosts of the real gateway, for documentation and the check command.
const (
	ProductionURL = "https://egw.baohiemxahoi.gov.vn"
	TrainingURL   = "https://daotaoegw.baohiemxahoi.gov.vn"
)

// BodyEncoding is how a request body is sent: integrations differ.
type BodyEncoding string

// Body encodings.
const (
	BodyJSON BodyEncoding = "json" // application/json: most integrations
	BodyForm BodyEncoding = "form" // application/x-www-form-urlencoded
)

// PasswordEncoding is how the facility password travels (in the login body
// and in every look-up's query): integrations differ.
type PasswordEncoding string

// Password encodings.
const (
	PasswordMD5      PasswordEncoding = "md5"       // MD5, lower-case hex: most integrations
	PasswordMD5Upper PasswordEncoding = "md5_upper" // MD5, upper-case hex
	PasswordPlain    PasswordEncoding = "plain"
)

// GatewayConfig is a facility's account on the gateway and the choices
// where public integrations differ. Zero values take the common choice.
type GatewayConfig struct {
	BaseURL  string // ProductionURL, TrainingURL, or a test gateway
	Username string // the facility account, e.g. "01001_BV"
	Password string // as the facility received it; encoded per PasswordEncoding

	PasswordEncoding PasswordEncoding // default PasswordMD5
	Body             BodyEncoding     // look-up body; default BodyJSON
	LoginBody        BodyEncoding     // login body; default BodyJSON
	// HistoryBody is the visit-history body. Default BodyForm: the one
	// integration that reports a verified call says the gateway refused JSON
	// there.
	HistoryBody BodyEncoding

	Timeout time.Duration    // per request; default 15 s
	Client  *http.Client     // default: a client with Timeout
	Now     func() time.Time // default time.Now
}

// Typed failures. Each also matches ErrGateway with errors.Is.
var (
	// ErrGateway reports a gateway that could not be reached or answered
	// nonsense.
	ErrGateway = errors.New("the social-insurance gateway did not answer usefully")
	// ErrUnreachable: no answer (network, timeout, HTTP 5xx).
	ErrUnreachable = fmt.Errorf("%w: unreachable", ErrGateway)
	// ErrLoginRefused: the facility account was refused.
	ErrLoginRefused = fmt.Errorf("%w: the facility account was refused (check the gateway user, password and password encoding)", ErrGateway)
	// ErrTokenRefused: a fresh token was refused again ("401" twice).
	ErrTokenRefused = fmt.Errorf("%w: the gateway refused a fresh token", ErrGateway)
	// ErrBadAnswer: an answer that is not the gateway's JSON.
	ErrBadAnswer = fmt.Errorf("%w: unexpected answer", ErrGateway)
)

// HTTPGateway talks to the social-insurance gateway with the facility's
// account: a token from /api/token/take, then the look-up with the token,
// id_token, username and password in the query. An expired or wrong token
// comes back as HTTP 200 with maKetQua "401": it is renewed once.
//
// Caveat: the look-up URL carries the facility password and tokens in its
// query, as the gateway requires; nothing here logs or returns a URL.
type HTTPGateway struct {
	cfg GatewayConfig

	mu    sync.Mutex
	token apiKey
	until time.Time
}

// apiKey is the login answer's APIKey block.
type apiKey struct {
	AccessToken string          `json:"access_token"`
	IDToken     string          `json:"id_token"`
	TokenType   string          `json:"token_type"`
	Username    string          `json:"username"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// NewHTTPGateway makes a gateway client with the common choices. Plain HTTP
// is accepted only to loopback.
func NewHTTPGateway(base, user, pass string) (*HTTPGateway, error) {
	return NewGateway(GatewayConfig{BaseURL: base, Username: user, Password: pass})
}

// NewGateway makes a gateway client from a configuration.
func NewGateway(c GatewayConfig) (*HTTPGateway, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("gateway URL %q: not an absolute URL", c.BaseURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("gateway URL must be https (plain http only to loopback)")
	}
	if c.Username == "" || c.Password == "" {
		return nil, errors.New("gateway account: user and password are required")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	for _, b := range []*BodyEncoding{&c.Body, &c.LoginBody} {
		if *b == "" {
			*b = BodyJSON
		}
	}
	if c.HistoryBody == "" {
		c.HistoryBody = BodyForm
	}
	for _, b := range []BodyEncoding{c.Body, c.LoginBody, c.HistoryBody} {
		if b != BodyJSON && b != BodyForm {
			return nil, fmt.Errorf("gateway body encoding %q: use %q or %q", b, BodyJSON, BodyForm)
		}
	}
	switch c.PasswordEncoding {
	case "":
		c.PasswordEncoding = PasswordMD5
	case PasswordMD5, PasswordMD5Upper, PasswordPlain:
	default:
		return nil, fmt.Errorf("gateway password encoding %q: use %q, %q or %q", c.PasswordEncoding, PasswordMD5, PasswordMD5Upper, PasswordPlain)
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &HTTPGateway{cfg: c}, nil
}

// BaseURL is the gateway's address.
func (g *HTTPGateway) BaseURL() string { return g.cfg.BaseURL }

func isLoopback(h string) bool { return h == "127.0.0.1" || h == "localhost" || h == "::1" }

// EncodePassword applies a password encoding.
func EncodePassword(pass string, enc PasswordEncoding) string {
	switch enc {
	case PasswordPlain:
		return pass
	case PasswordMD5Upper:
		s := md5.Sum([]byte(pass))
		return strings.ToUpper(hex.EncodeToString(s[:]))
	}
	s := md5.Sum([]byte(pass))
	return hex.EncodeToString(s[:])
}

func (g *HTTPGateway) password() string {
	return EncodePassword(g.cfg.Password, g.cfg.PasswordEncoding)
}

// post sends fields as JSON or a form and decodes the JSON answer into out.
// Network errors are reported without the URL (it carries credentials).
func (g *HTTPGateway) post(ctx context.Context, path string, query url.Values, enc BodyEncoding, fields [][2]string, out any) error {
	var body io.Reader
	var ctype string
	if enc == BodyForm {
		f := url.Values{}
		for _, kv := range fields {
			f.Set(kv[0], kv[1])
		}
		body, ctype = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	} else {
		m := make(map[string]string, len(fields))
		for _, kv := range fields {
			m[kv[0]] = kv[1]
		}
		b, _ := json.Marshal(m)
		body, ctype = bytes.NewReader(b), "application/json"
	}
	target := g.cfg.BaseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return fmt.Errorf("%w: request for %s", ErrGateway, path)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := g.cfg.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL: it holds the password and tokens
		}
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, path, err)
	}
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%w: %s: HTTP %d", ErrUnreachable, path, resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s: HTTP %d, not JSON", ErrBadAnswer, path, resp.StatusCode)
	}
	return nil
}

// login takes a fresh token.
func (g *HTTPGateway) login(ctx context.Context) error {
	var resp struct {
		Code   string `json:"maKetQua"`
		Note   string `json:"ghiChu"`
		APIKey apiKey `json:"APIKey"`
	}
	err := g.post(ctx, pathToken, nil, g.cfg.LoginBody, [][2]string{{"username", g.cfg.Username}, {"password", g.password()}}, &resp)
	if err != nil {
		return err
	}
	if resp.Code != "200" || resp.APIKey.AccessToken == "" {
		return fmt.Errorf("%w (code %q)", ErrLoginRefused, resp.Code)
	}
	now := g.cfg.Now()
	g.token = resp.APIKey
	g.until = tokenDeadline(resp.APIKey.ExpiresIn, now)
	return nil
}

// vnZone is the gateway's local time, for date-times without an offset.
var vnZone = time.FixedZone("ICT", 7*3600)

// tokenDeadline reads expires_in (a date-time string in the integrations
// seen, a number of seconds in others) and keeps a minute of margin. An
// unreadable value gives a short life: the "401" answer renews it anyway.
func tokenDeadline(raw json.RawMessage, now time.Time) time.Time {
	const margin = time.Minute
	var n float64
	if json.Unmarshal(raw, &n) == nil && n > 0 {
		return now.Add(time.Duration(n)*time.Second - margin)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
			return now.Add(time.Duration(secs)*time.Second - margin)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "02/01/2006 15:04:05", "1/2/2006 3:04:05 PM"} {
			if t, err := time.ParseInLocation(layout, s, vnZone); err == nil {
				return t.Add(-margin)
			}
		}
	}
	return now.Add(10 * time.Minute)
}

// credentials returns the query the gateway wants on every call, logging in
// first when there is no live token (or fresh is asked).
func (g *HTTPGateway) credentials(ctx context.Context, fresh bool) (url.Values, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if fresh || g.token.AccessToken == "" || !g.cfg.Now().Before(g.until) {
		if err := g.login(ctx); err != nil {
			return nil, err
		}
	}
	user := g.token.Username
	if user == "" {
		user = g.cfg.Username
	}
	return url.Values{"token": {g.token.AccessToken}, "id_token": {g.token.IDToken}, "username": {user}, "password": {g.password()}}, nil
}

// call posts to an authenticated endpoint; an answer "401" renews the token
// and retries once.
func (g *HTTPGateway) call(ctx context.Context, path string, enc BodyEncoding, fields [][2]string, decode func([]byte) (string, error)) error {
	for attempt := 0; attempt < 2; attempt++ {
		q, err := g.credentials(ctx, attempt > 0)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := g.post(ctx, path, q, enc, fields, &raw); err != nil {
			return err
		}
		code, err := decode(raw)
		if err != nil {
			return err
		}
		if code != "401" {
			return nil
		}
	}
	return ErrTokenRefused
}

// lookupAnswer is the card look-up's answer (REFERENCE.md section 10).
type lookupAnswer struct {
	MaKetQua    string `json:"maKetQua"`
	GhiChu      string `json:"ghiChu"`
	MaThe       string `json:"maThe"`
	HoTen       string `json:"hoTen"`
	NgaySinh    string `json:"ngaySinh"`
	GioiTinh    any    `json:"gioiTinh"`
	MaDKBD      string `json:"maDKBD"`
	CqBHXH      string `json:"cqBHXH"`
	GtTheTu     string `json:"gtTheTu"`
	GtTheDen    string `json:"gtTheDen"`
	MaKV        string `json:"maKV"`
	NgayDu5Nam  string `json:"ngayDu5Nam"`
	MaSoBHXH    string `json:"maSoBHXH"`
	MaTheCu     string `json:"maTheCu"`
	MaTheMoi    string `json:"maTheMoi"`
	GtTheTuMoi  string `json:"gtTheTuMoi"`
	GtTheDenMoi string `json:"gtTheDenMoi"`
	MaDKBDMoi   string `json:"maDKBDMoi"`
	TenDKBDMoi  string `json:"tenDKBDMoi"`
}

// Lookup asks the gateway about a patient's card: maThe is the BHYT code
// when given, else the 12-digit ID number.
func (g *HTTPGateway) Lookup(ctx context.Context, r LookupRequest) (*LookupResult, error) {
	fields, err := lookupFields(r)
	if err != nil {
		return nil, err
	}
	var ans lookupAnswer
	err = g.call(ctx, pathLookup, g.cfg.Body, fields, func(raw []byte) (string, error) {
		ans = lookupAnswer{}
		if err := json.Unmarshal(raw, &ans); err != nil {
			return "", fmt.Errorf("%w: look-up answer: %v", ErrBadAnswer, err)
		}
		if ans.MaKetQua == "" {
			return "", fmt.Errorf("%w: look-up answer without maKetQua", ErrBadAnswer)
		}
		return ans.MaKetQua, nil
	})
	if err != nil {
		return nil, err
	}
	return ans.result(g.cfg.Now()), nil
}

// lookupFields validates a request and builds the gateway's body.
func lookupFields(r LookupRequest) ([][2]string, error) {
	if strings.TrimSpace(r.Staff.Name) == "" || cccd.ValidateIDNumber(r.Staff.IDNumber) != nil {
		return nil, errors.New("the look-up needs the staff member's name and 12-digit ID (kiosk.staff_name, kiosk.staff_id)")
	}
	code := strings.TrimSpace(r.CardCode)
	if code == "" {
		if err := cccd.ValidateIDNumber(r.IDNumber); err != nil {
			return nil, fmt.Errorf("patient ID number: %w", err)
		}
		code = r.IDNumber
	} else if err := ValidateCardCode(code); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.FullName) == "" {
		return nil, errors.New("the look-up needs the patient's full name")
	}
	dob, err := GatewayDate(r.DateOfBirth)
	if err != nil {
		return nil, err
	}
	return [][2]string{{"maThe", code}, {"hoTen", strings.TrimSpace(r.FullName)}, {"ngaySinh", dob}, {"hoTenCb", r.Staff.Name}, {"cccdCb", r.Staff.IDNumber}}, nil
}

// ValidateCardCode checks a BHYT card code's shape: 15 characters, two
// letters then digits (older cards) or 10 digits (the BHXH number).
func ValidateCardCode(code string) error {
	ok := len(code) == 15
	for i := 0; ok && i < 15; i++ {
		c := code[i]
		if i < 2 {
			ok = c >= 'A' && c <= 'Z'
		} else {
			ok = c >= '0' && c <= '9'
		}
	}
	if ok {
		return nil
	}
	if len(code) == 10 && strings.Trim(code, "0123456789") == "" {
		return nil
	}
	return fmt.Errorf("BHYT card code %q: expected 15 characters (2 letters, 13 digits) or the 10-digit social-insurance number", code)
}

// GatewayDate turns YYYY-MM-DD (or YYYY for a year-only birth) into what the
// gateway takes: dd/MM/yyyy, or yyyy.
func GatewayDate(iso string) (string, error) {
	iso = strings.TrimSpace(iso)
	if len(iso) == 4 && strings.Trim(iso, "0123456789") == "" {
		return iso, nil
	}
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return "", fmt.Errorf("date of birth %q: expected YYYY-MM-DD or YYYY", iso)
	}
	return t.Format("02/01/2006"), nil
}

// isoDate turns the gateway's dd/MM/yyyy into YYYY-MM-DD; anything else is
// kept as sent (a year-only date stays "yyyy").
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("02/01/2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	if t, err := time.Parse("2/1/2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	return s
}

// result turns the gateway's answer into a LookupResult.
func (a *lookupAnswer) result(now time.Time) *LookupResult {
	r := &LookupResult{
		Code: a.MaKetQua, GatewayNote: a.GhiChu, CardCode: a.MaThe,
		ValidFrom: isoDate(a.GtTheTu), ValidTo: isoDate(a.GtTheDen), RegisteredFacility: a.MaDKBD,
		FiveYearsFrom: isoDate(a.NgayDu5Nam), SocialInsuranceNumber: a.MaSoBHXH,
		GatewayName: a.HoTen, GatewayDateOfBirth: isoDate(a.NgaySinh),
	}
	if a.MaTheMoi != "" {
		r.NewCard = &NewCard{CardCode: a.MaTheMoi, ValidFrom: isoDate(a.GtTheTuMoi), ValidTo: isoDate(a.GtTheDenMoi),
			RegisteredFacility: a.MaDKBDMoi, RegisteredFacilityName: a.TenDKBDMoi}
	}
	r.MessageVI, r.MessageEN = Message(r.Code)
	r.ActionVI, r.ActionEN = Action(r.Code)
	r.Valid = valid(r, now.In(vnZone))
	return r
}

// Visit is one visit of the patient's history as the gateway lists it. The
// gateway's items are kept whole (Raw); the fields below are read when the
// item carries them under the names integrations report.
type Visit struct {
	Facility string          `json:"facility,omitempty"` // maCSKCB
	From     string          `json:"from,omitempty"`     // ngayVao
	To       string          `json:"to,omitempty"`       // ngayRa
	Raw      json.RawMessage `json:"raw"`
}

// History asks the gateway for the patient's visits (Lskcb2025).
func (g *HTTPGateway) History(ctx context.Context, r LookupRequest) (code string, visits []Visit, err error) {
	fields, err := lookupFields(r)
	if err != nil {
		return "", nil, err
	}
	var ans struct {
		MaKetQua string            `json:"maKetQua"`
		List     []json.RawMessage `json:"dsLichSuKCB2025"`
	}
	err = g.call(ctx, pathHistory, g.cfg.HistoryBody, fields, func(raw []byte) (string, error) {
		ans.MaKetQua, ans.List = "", nil
		if err := json.Unmarshal(raw, &ans); err != nil || ans.MaKetQua == "" {
			return "", fmt.Errorf("%w: history answer", ErrBadAnswer)
		}
		return ans.MaKetQua, nil
	})
	if err != nil {
		return "", nil, err
	}
	for _, item := range ans.List {
		var f struct {
			MaCSKCB string          `json:"maCSKCB"`
			NgayVao json.RawMessage `json:"ngayVao"`
			NgayRa  json.RawMessage `json:"ngayRa"`
		}
		_ = json.Unmarshal(item, &f)
		visits = append(visits, Visit{Facility: f.MaCSKCB, From: scalar(f.NgayVao), To: scalar(f.NgayRa), Raw: item})
	}
	return ans.MaKetQua, visits, nil
}

// scalar renders a JSON string or number as written ("202401051230" stays
// digits, not a float); anything else is empty.
func scalar(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return ""
	}
	return strings.Trim(s, `"`)
}
