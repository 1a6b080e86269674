package outbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
)

// BenchmarkOwnedLookup: finding a card's dossiers among 500 by owner tag
// (one HMAC, the in-memory tag index, and reading the matching records), against the alternative the design
// rejected, decrypting every payload and matching the number (baseline,
// same store, same run).
//
//	go test ./sync/outbox/ -run '^$' -bench OwnedLookup -benchtime 20x
func BenchmarkOwnedLookup(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 500
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("0010990%05d", i)
		payload := fmt.Sprintf(`{"applicant":{"so_dinh_danh":%q,"ho_ten":"Nguyễn Văn Thử"},"pad":%q}`, id, bytes.Repeat([]byte("x"), 2000))
		if _, err := s.Add(WithOwners(context.Background(), id), "1.004222", []byte(payload)); err != nil {
			b.Fatal(err)
		}
	}
	want := "001099000250"
	b.Run("owner-tag", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			recs, err := s.Owned(want)
			if err != nil || len(recs) != 1 {
				b.Fatalf("%d %v", len(recs), err)
			}
		}
	})
	b.Run("decrypt-all-baseline", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			recs, err := s.List(Filter{})
			if err != nil {
				b.Fatal(err)
			}
			found := 0
			for _, r := range recs {
				p, err := s.Payload(r.UUID)
				if err != nil {
					b.Fatal(err)
				}
				if bytes.Contains(p, []byte(want)) {
					found++
				}
				clear(p)
			}
			if found != 1 {
				b.Fatalf("found %d", found)
			}
		}
	})
}
