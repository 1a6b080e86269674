// Package clinic checks a patient in with the chip ID card instead of the
// health-insurance (BHYT) card (Công văn 931/BYT-BH): the card (chip or QR)
// gives the 12-digit ID, name and date of birth; the facility's account on
// the social-insurance gateway looks up the BHYT card's validity; the result
// code becomes a clear message; a check-in record goes to the clinic's system.
package clinic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// Result codes of the gateway's look-up and what they mean.
var resultMessages = map[string][2]string{
	"000": {"Thẻ BHYT còn giá trị sử dụng.", "The health-insurance card is valid."},
	"001": {"Thẻ do BHXH Bộ Quốc phòng quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân.", "Card managed by the Ministry of Defence social insurance: check the card and papers."},
	"002": {"Thẻ do BHXH Bộ Công an quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân.", "Card managed by the Ministry of Public Security social insurance: check the card and papers."},
	"003": {"Thẻ cũ hết giá trị sử dụng nhưng đã được cấp thẻ mới.", "The old card has expired but a new card was issued."},
	"004": {"Thẻ cũ còn giá trị sử dụng nhưng đã được cấp thẻ mới.", "The old card is valid but a new card was issued."},
	"010": {"Thẻ BHYT đã hết hạn sử dụng.", "The health-insurance card has expired."},
	"050": {"Không tìm thấy thông tin thẻ BHYT.", "No health-insurance card was found."},
	"051": {"Mã thẻ không đúng.", "The card code is wrong."},
	"052": {"Mã tỉnh cấp thẻ không đúng.", "The issuing province code is wrong."},
	"053": {"Mã quyền lợi thẻ không đúng.", "The benefit code is wrong."},
	"054": {"Cán bộ tra cứu chưa được đăng ký với cơ quan BHXH.", "The staff member doing the look-up is not registered with social insurance."},
	"055": {"Cán bộ tra cứu chưa được đăng ký với cơ quan BHXH.", "The staff member doing the look-up is not registered with social insurance."},
	"060": {"Họ tên không khớp với thông tin thẻ BHYT.", "The name does not match the health-insurance record."},
	"061": {"Họ tên không khớp (sai dấu hoặc ký tự) với thông tin thẻ BHYT.", "The name does not match the record (accents or letters differ)."},
	"070": {"Ngày sinh không khớp với thông tin thẻ BHYT.", "The date of birth does not match the health-insurance record."},
	"100": {"Lỗi khi lấy dữ liệu sổ thẻ.", "The gateway failed to fetch the record."},
	"101": {"Lỗi máy chủ cổng tiếp nhận.", "Gateway server error."},
}

// Message explains a result code in Vietnamese and English.
func Message(code string) (vi, en string) {
	if m, ok := resultMessages[code]; ok {
		return m[0], m[1]
	}
	return "Mã kết quả " + code + " chưa được biết, đề nghị kiểm tra thủ công.", "Unknown result code " + code + ": check by hand."
}

// Staff is the facility's employee doing the look-up (the gateway requires it).
type Staff struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// LookupRequest asks for a patient's BHYT card.
type LookupRequest struct {
	CardCode    string // BHYT card code, when the patient has it; else the ID number is used
	IDNumber    string // 12 digits
	FullName    string
	DateOfBirth string // YYYY-MM-DD (sent as dd/mm/yyyy)
	Staff       Staff
}

// LookupResult is the gateway's answer.
type LookupResult struct {
	Code               string `json:"code"`
	MessageVI          string `json:"message_vi"`
	MessageEN          string `json:"message_en"`
	Valid              bool   `json:"valid"`
	CardCode           string `json:"card_code,omitempty"`
	ValidFrom          string `json:"valid_from,omitempty"`
	ValidTo            string `json:"valid_to,omitempty"`
	RegisteredFacility string `json:"registered_facility,omitempty"`
}

// Gateway looks up BHYT validity. Providers differ; every one sits behind this.
type Gateway interface {
	Lookup(ctx context.Context, r LookupRequest) (*LookupResult, error)
}

// ErrGateway reports a gateway that could not be reached or answered nonsense.
var ErrGateway = errors.New("the social-insurance gateway did not answer usefully")

// HTTPGateway talks to the gateway over HTTPS with the facility's account:
// a token from /api/token/take, then /api/egw/tracuu with the token.
type HTTPGateway struct {
	BaseURL  string
	Username string
	Password string
	Client   *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewHTTPGateway makes a gateway client. Plain HTTP is accepted only to loopback.
func NewHTTPGateway(base, user, pass string) (*HTTPGateway, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("gateway URL: %w", err)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1")) {
		return nil, fmt.Errorf("gateway URL must be https (plain http only to loopback)")
	}
	return &HTTPGateway{BaseURL: strings.TrimRight(base, "/"), Username: user, Password: pass, Client: &http.Client{Timeout: 15 * time.Second}}, nil
}

func (g *HTTPGateway) post(ctx context.Context, path string, body any, out any) (int, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrGateway, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%w: %v", ErrGateway, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return resp.StatusCode, nil
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%w: HTTP %d", ErrGateway, resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.StatusCode, fmt.Errorf("%w: %v", ErrGateway, err)
	}
	return resp.StatusCode, nil
}

func (g *HTTPGateway) getToken(ctx context.Context, fresh bool) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !fresh && g.token != "" && time.Now().Before(g.expires) {
		return g.token, nil
	}
	var resp struct {
		Code   string `json:"maKetQua"`
		APIKey struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		} `json:"APIKey"`
	}
	status, err := g.post(ctx, "/api/token/take", map[string]string{"username": g.Username, "password": g.Password}, &resp)
	if err != nil {
		return "", err
	}
	if status == http.StatusUnauthorized || resp.Code != "200" || resp.APIKey.AccessToken == "" {
		return "", fmt.Errorf("%w: the facility account was refused (check the gateway user and password)", ErrGateway)
	}
	g.token = resp.APIKey.AccessToken
	g.expires = time.Now().Add(time.Duration(resp.APIKey.ExpiresIn)*time.Second - 30*time.Second)
	return g.token, nil
}

type lookupBody struct {
	MaThe    string `json:"maThe"`
	HoTen    string `json:"hoTen"`
	NgaySinh string `json:"ngaySinh"`
	HoTenCb  string `json:"hoTenCb"`
	CccdCb   string `json:"cccdCb"`
}

type lookupResp struct {
	MaKetQua string `json:"maKetQua"`
	MaThe    string `json:"maThe"`
	GtTheTu  string `json:"gtTheTu"`
	GtTheDen string `json:"gtTheDen"`
	MaDKBD   string `json:"maDKBD"`
}

// Lookup asks the gateway; a token refused mid-way is renewed once.
func (g *HTTPGateway) Lookup(ctx context.Context, r LookupRequest) (*LookupResult, error) {
	if r.Staff.Name == "" || cccd.ValidateIDNumber(r.Staff.IDNumber) != nil {
		return nil, errors.New("the look-up needs the staff member's name and 12-digit ID")
	}
	code := r.CardCode
	if code == "" {
		if err := cccd.ValidateIDNumber(r.IDNumber); err != nil {
			return nil, err
		}
		code = r.IDNumber
	}
	dob, err := time.Parse("2006-01-02", r.DateOfBirth)
	if err != nil {
		return nil, fmt.Errorf("date of birth: %w", err)
	}
	body := lookupBody{MaThe: code, HoTen: r.FullName, NgaySinh: dob.Format("02/01/2006"), HoTenCb: r.Staff.Name, CccdCb: r.Staff.IDNumber}
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := g.getToken(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		var resp lookupResp
		status, err := g.post(ctx, "/api/egw/tracuu?token="+url.QueryEscape(tok), body, &resp)
		if err != nil {
			return nil, err
		}
		if status == http.StatusUnauthorized {
			continue
		}
		res := &LookupResult{Code: resp.MaKetQua, Valid: resp.MaKetQua == "000" || resp.MaKetQua == "004",
			CardCode: resp.MaThe, ValidFrom: resp.GtTheTu, ValidTo: resp.GtTheDen, RegisteredFacility: resp.MaDKBD}
		res.MessageVI, res.MessageEN = Message(resp.MaKetQua)
		return res, nil
	}
	return nil, fmt.Errorf("%w: token refused twice", ErrGateway)
}

// CheckIn is the record handed to the clinic's system.
type CheckIn struct {
	Schema       string             `json:"schema"`
	Facility     string             `json:"facility"`
	Device       string             `json:"device"`
	At           time.Time          `json:"at"`
	Patient      Patient            `json:"patient"`
	Source       string             `json:"source"` // provenance of the identity: chip_verified, chip_unverified, qr
	Verification *cccd.Verification `json:"verification,omitempty"`
	BHYT         *LookupResult      `json:"bhyt"`
	Staff        Staff              `json:"staff"`
}

// Patient is the part of the identity a check-in needs (no ethnicity,
// religion or photo).
type Patient struct {
	IDNumber    string `json:"id_number"`
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"`
	Sex         string `json:"sex"`
	Residence   string `json:"place_of_residence"`
}

// Check runs a check-in: the BHYT look-up for the person read from the
// card, and the record.
func Check(ctx context.Context, g Gateway, p prefill.Person, staff Staff, facility, device string, now time.Time) (*CheckIn, error) {
	id := p.Identity
	res, err := g.Lookup(ctx, LookupRequest{IDNumber: id.IDNumber, FullName: id.FullName, DateOfBirth: id.DateOfBirth, Staff: staff})
	if err != nil {
		return nil, err
	}
	return &CheckIn{
		Schema: "motcua.checkin/v1", Facility: facility, Device: device, At: now.UTC(),
		Patient: Patient{IDNumber: id.IDNumber, FullName: id.FullName, DateOfBirth: id.DateOfBirth, Sex: id.Sex, Residence: id.PlaceOfResidence},
		Source:  string(p.Provenance), Verification: p.Verification, BHYT: res, Staff: staff,
	}, nil
}
