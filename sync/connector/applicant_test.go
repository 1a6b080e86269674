package connector

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// dossierDocJSON is a revision-2 dossier document whose applicant lives at
// an address with the given codes (commune "" when not confirmed).
func dossierDocJSON(province, commune string) string {
	addr := `{"province_code":"` + province + `","detail":"Số 5 ngõ 12"`
	if commune != "" {
		addr += `,"commune_code":"` + commune + `"`
	}
	addr += `}`
	return `{"schema":"motcua.dossier/v1","revision":2,"applicant_role":"applicant","service_code":"1.004206",
 "parties":[{"role":"applicant","index":0,"provenance":"qr","fields":{
   "ho_ten":{"value":"Nguyễn Văn Thử","provenance":"qr"},
   "noi_thuong_tru":{"value":"Số 5 ngõ 12, Phường Hồng Hà, Thành phố Hà Nội","provenance":"qr","address":` + addr + `}}},
  {"role":"member","index":0,"provenance":"qr","fields":{"noi_o":{"value":"x","provenance":"qr","address":{"province_code":"79","commune_code":"26734"}}}}],
 "fields":{},"ChuHoSo":{"HoTen":"Nguyễn Văn Thử"}}`
}

// The codes of the applicant's address reach the iGate create body.
func TestIGateFillsMaTinhMaXa(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	rc, err := g.Submit(context.Background(), Submission{UUID: "5a1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", Service: "1.004206",
		Payload: json.RawMessage(dossierDocJSON("01", "00097"))})
	if err != nil {
		t.Fatal(err)
	}
	chu, _ := gs.dossiers[rc.DossierCode]["ChuHoSo"].(map[string]any)
	if chu["MaTinh"] != "01" || chu["MaXa"] != "00097" || chu["DiaChiChiTiet"] != "Số 5 ngõ 12" || chu["HoTen"] != "Nguyễn Văn Thử" {
		t.Errorf("applicant block %v", chu)
	}
}

// A commune not known for sure: nothing is sent (not even a token
// request), and the error says why with a code.
func TestIGateHoldsUnconfirmedCommune(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	cases := map[string]struct{ payload, code string }{
		"split, not picked": {dossierDocJSON("01", ""), HoldCommuneUnconfirmed},
		"bad commune code":  {dossierDocJSON("01", "123"), HoldAddressInvalid},
		"bad province code": {dossierDocJSON("1", "00097"), HoldAddressInvalid},
		"no address":        {`{"schema":"motcua.dossier/v1","revision":2,"applicant_role":"applicant","parties":[{"role":"applicant","index":0,"fields":{}}]}`, HoldAddressMissing},
		"no applicant":      {`{"schema":"motcua.dossier/v1","revision":2,"applicant_role":"applicant","parties":[{"role":"member","index":0,"fields":{}}]}`, HoldAddressMissing},
		"raw, empty MaXa":   {`{"ChuHoSo":{"MaTinh":"40","MaXa":""}}`, HoldCommuneUnconfirmed},
		"raw, null MaXa":    {`{"ChuHoSo":{"MaTinh":"40","MaXa":null}}`, HoldCommuneUnconfirmed},
		"raw, text MaTinh":  {`{"ChuHoSo":{"MaTinh":"Nghệ An","MaXa":"16681"}}`, HoldAddressInvalid},
	}
	for name, c := range cases {
		_, err := g.Submit(context.Background(), Submission{UUID: "6a1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", Service: "1.004206", Payload: json.RawMessage(c.payload)})
		var h *HoldError
		if !errors.As(err, &h) || h.Code != c.code || Code(err) != c.code {
			t.Errorf("%s: %v (code %q)", name, err, Code(err))
		}
		if err != nil && strings.Contains(err.Error(), "Thử") {
			t.Errorf("%s: error carries personal data", name)
		}
	}
	if gs.tokenCalls != 0 || gs.createCalls != 0 || gs.nextCodeCalls != 0 {
		t.Errorf("a held dossier reached the gateway: tokens %d next-code %d creates %d", gs.tokenCalls, gs.nextCodeCalls, gs.createCalls)
	}
	// A revision-1 dossier (queued before codes existed) goes as before.
	if _, err := g.Submit(context.Background(), Submission{UUID: "7a1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", Service: "1.004206",
		Payload: json.RawMessage(`{"schema":"motcua.dossier/v1","parties":[],"ChuHoSo":{"HoTen":"x"}}`)}); err != nil {
		t.Errorf("revision 1: %v", err)
	}
}
