package clinic

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkLookup compares a look-up through the client (token kept, body
// built, answer decoded and mapped) with a bare HTTP round trip to the same
// test gateway carrying the same body.
//
//	go test -run '^$' -bench Lookup -benchtime 2000x ./kiosk/clinic/
func BenchmarkLookup(b *testing.B) {
	t := &testing.T{}
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	defer srv.Close()
	c := client(t, srv, clk, nil)
	req := LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}
	if _, err := c.Lookup(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.Run("client", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if r, err := c.Lookup(context.Background(), req); err != nil || r.Code != "000" {
				b.Fatal(err, r)
			}
		}
	})
	b.Run("bare-http", func(b *testing.B) {
		q, _ := c.credentials(context.Background(), false)
		url := srv.URL + pathLookup + "?" + q.Encode()
		body := `{"maThe":"001093047064","hoTen":"Nguyễn Văn Thử","ngaySinh":"05/01/1993","hoTenCb":"Lê Thị Lễ Tân","cccdCb":"001090000001"}`
		for i := 0; i < b.N; i++ {
			resp, err := http.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
