// Package hwtest runs one conformance suite against every way a card can
// reach the reader: the in-process simulated reader, and the real PC/SC
// stack (pcscd + vpcd) with the virtual card as a vpcd client. Tests that
// need a physical reader skip cleanly.
package hwtest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/icao"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
)

// harness puts a virtual card in front of the reader one way or another.
type harness interface {
	// Insert serves card and returns a connection to it and a function
	// that pulls the card (and waits until the reader has seen it go).
	Insert(tb testing.TB, card *simcard.Card) (reader.Conn, func())
	// InProcess is true for the simulated reader (faults that only exist
	// in-process, such as a lost response, are tested there).
	InProcess() bool
}

type inProcess struct{}

func (inProcess) InProcess() bool { return true }

func (inProcess) Insert(tb testing.TB, card *simcard.Card) (reader.Conn, func()) {
	r := simcard.NewReader("sim")
	r.Insert(card)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := reader.WaitAndConnect(ctx, r)
	if err != nil {
		tb.Fatal(err)
	}
	return conn, r.Remove
}

// insert serves a card for the rest of the test.
func insert(t *testing.T, h harness, card *simcard.Card) reader.Conn {
	conn, remove := h.Insert(t, card)
	t.Cleanup(remove)
	return conn
}

// harnesses lists the ways to run the suite on this machine.
func harnesses(t testing.TB) map[string]harness {
	h := map[string]harness{"inprocess": inProcess{}}
	if p := pcscHarness(t); p != nil {
		h["pcsc"] = p
	}
	return h
}

func newCard(t *testing.T, p simcard.Profile, fault simcard.Fault) *simcard.Card {
	t.Helper()
	c, err := p.Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func idKey(t testing.TB, id string) []reader.Key {
	k, err := reader.KeyFromID(id)
	if err != nil {
		t.Fatal(err)
	}
	return []reader.Key{k}
}

func qrKeys(t *testing.T, p simcard.Profile) []reader.Key {
	dob, _ := time.Parse("2006-01-02", p.Identity.DateOfBirth)
	issue, _ := time.Parse("2006-01-02", p.Identity.DateOfIssue)
	ks, err := reader.KeysFromCitizen(p.Identity.IDNumber, dob, issue)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestConformance(t *testing.T) {
	profiles := []simcard.Profile{simcard.ReferenceProfile(), simcard.NewProfile(7), simcard.NewProfile(42)}
	for name, h := range harnesses(t) {
		t.Run(name, func(t *testing.T) {
			for _, p := range profiles {
				p := p
				t.Run("PACE-CAN/"+cccd.MaskID(p.Identity.IDNumber), func(t *testing.T) {
					var order []lds.FileID
					res, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{
						Keys:   idKey(t, p.Identity.IDNumber),
						OnFile: func(f lds.FileID, _ []byte) { order = append(order, f) },
					})
					if err != nil {
						t.Fatal(err)
					}
					if res.Identity != p.Identity {
						t.Fatalf("identity\n got %+v\nwant %+v", res.Identity, p.Identity)
					}
					if res.Access != cccd.AccessPACE {
						t.Fatalf("access %s", res.Access)
					}
					if order[0] != lds.DG13 || order[1] != lds.DG1 || order[len(order)-1] != lds.DG2 {
						t.Fatalf("read order %v: identity must come first, the photo last", order)
					}
					if !bytes.Equal(res.Photo, simcard.SyntheticFace(p.FaceSeed)) || res.PhotoMIME != lds.MIMEJPEG {
						t.Fatal("photo differs from the card's")
					}
					if len(res.Warnings) != 0 {
						t.Fatalf("warnings on a consistent card: %v", res.Warnings)
					}
				})
			}
			p := simcard.ReferenceProfile()
			t.Run("QR keys", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: qrKeys(t, p)})
				if err != nil || res.Access != cccd.AccessPACE {
					t.Fatalf("err %v access %v", err, res)
				}
			})
			t.Run("PACE-MRZ", func(t *testing.T) {
				k, err := reader.KeyFromMRZ("093047064/930105/330105")
				if err != nil {
					t.Fatal(err)
				}
				res, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: []reader.Key{k}})
				if err != nil || res.Access != cccd.AccessPACE {
					t.Fatalf("err %v", err)
				}
			})
			t.Run("BAC fallback with QR expiry candidates", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultNoPACE)), reader.Options{Keys: qrKeys(t, p)})
				if err != nil {
					t.Fatal(err)
				}
				if res.Access != cccd.AccessBAC || res.Identity != p.Identity {
					t.Fatalf("access %s", res.Access)
				}
			})
			t.Run("BAC needs more than the CAN", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultNoPACE)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if !errors.Is(err, reader.ErrNoKey) {
					t.Fatalf("err = %v, want ErrNoKey", err)
				}
			})
			t.Run("wrong CAN", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: idKey(t, "001093999999")})
				if !errors.Is(err, reader.ErrWrongKey) {
					t.Fatalf("err = %v, want ErrWrongKey", err)
				}
			})
			t.Run("card pulled mid-read", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultPulled)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if !errors.Is(err, iso7816.ErrCardRemoved) {
					t.Fatalf("err = %v, want ErrCardRemoved", err)
				}
			})
			t.Run("corrupted MAC aborts", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultBadMAC)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if !errors.Is(err, icao.ErrResponseMAC) {
					t.Fatalf("err = %v, want ErrResponseMAC", err)
				}
			})
			t.Run("SELECT MF 6D00 and no SFI", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultSelectMF+","+simcard.FaultNoSFI)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if err != nil || res.Identity != p.Identity {
					t.Fatalf("err %v", err)
				}
			})
			t.Run("short APDUs only", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultShortOnly)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if err != nil || res.Identity != p.Identity {
					t.Fatalf("err %v", err)
				}
				if res.Stats.APDUs < 80 {
					t.Fatalf("%d APDUs: short APDUs cannot carry a 16 KB photo in so few", res.Stats.APDUs)
				}
			})
			t.Run("slow card", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultSlow)), reader.Options{Keys: idKey(t, p.Identity.IDNumber), SkipPhoto: true})
				if err != nil || res.Identity != p.Identity {
					t.Fatalf("err %v", err)
				}
			})
			t.Run("truncated file", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultTruncated)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if !errors.Is(err, reader.ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
			})
			if h.InProcess() {
				t.Run("lost response resumes", func(t *testing.T) {
					res, err := reader.Read(insert(t, h, newCard(t, p, simcard.FaultGlitch)), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
					if err != nil || res.Identity != p.Identity || len(res.Photo) == 0 {
						t.Fatalf("err %v", err)
					}
				})
			}
			t.Run("PACE-CAM", func(t *testing.T) { paceCAM(t, h, p) })
			t.Run("card behaves like a card", func(t *testing.T) { cardBehaviour(t, h, p) })
		})
	}
}

// cardBehaviour checks the card side against REFERENCE.md section 1: what
// other readers rely on.
func cardBehaviour(t *testing.T, h harness, p simcard.Profile) {
	conn := insert(t, h, newCard(t, p, ""))
	send := func(hexAPDU []byte) iso7816.Response {
		t.Helper()
		out, err := conn.Transmit(hexAPDU)
		if err != nil {
			t.Fatal(err)
		}
		r, err := iso7816.ParseResponse(out)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// EF.CardAccess by SFI without SELECT, and by SELECT + READ BINARY.
	bySFI := send([]byte{0x00, 0xB0, 0x9C, 0x00, 0x00})
	if bySFI.SW != 0x9000 && bySFI.SW != 0x6282 {
		t.Fatalf("READ BINARY SFI 1C: %04X", bySFI.SW)
	}
	if r := send([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C}); r.SW != 0x9000 {
		t.Fatalf("SELECT 011C: %04X", r.SW)
	}
	bySel := send([]byte{0x00, 0xB0, 0x00, 0x00, 0x00})
	if !bytes.Equal(bySel.Data, bySFI.Data) || len(bySFI.Data) == 0 {
		t.Fatal("EF.CardAccess differs by SFI and by SELECT")
	}
	// Reading at the end of the file is an error, not data.
	n := len(bySFI.Data)
	if r := send([]byte{0x00, 0xB0, byte(n >> 8), byte(n), 0x10}); r.SW != 0x6B00 {
		t.Fatalf("READ BINARY past the end: %04X, want 6B00", r.SW)
	}
	// The reader-level GET UID passes through.
	if r := send([]byte{0xFF, 0xCA, 0x00, 0x00, 0x00}); r.SW != 0x9000 || len(r.Data) == 0 {
		t.Fatalf("FF CA: %04X", r.SW)
	}
	// Data groups are refused before access control.
	if r := send([]byte{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}); r.SW != 0x9000 {
		t.Fatalf("SELECT eMRTD: %04X", r.SW)
	}
	if r := send([]byte{0x00, 0xB0, 0x8D, 0x00, 0x00}); r.SW != 0x6982 {
		t.Fatalf("DG13 before access control: %04X, want 6982", r.SW)
	}
	// Under secure messaging every response is protected, errors included.
	sess := &icao.Session{T: conn}
	pace := icao.PACEParams{Protocol: icao.PACEProtocol{OID: lds.OIDPACEECDHGMAES128, Cipher: icao.AES128}, ParamID: 13}
	sm, err := icao.PACE(conn, pace, icao.CANPassword(p.CAN()), nil)
	if err != nil {
		t.Fatal(err)
	}
	sess.SM = sm
	if err := sess.SelectApplication(); err != nil {
		t.Fatal(err)
	}
	r, err := sess.Exchange(iso7816.Command{Ins: 0xB0, P1: 0x83, Ne: 16}) // DG3: EAC only
	if err != nil {
		t.Fatalf("protected error response did not verify: %v", err)
	}
	if r.SW != 0x6982 {
		t.Fatalf("DG3 under BAC/PACE: %04X, want 6982", r.SW)
	}
	// A plain command during the session ends it.
	if r := send([]byte{0x00, 0xB0, 0x81, 0x00, 0x10}); r.SW != 0x6987 && r.SW != 0x6988 {
		t.Fatalf("plain command under SM: %04X", r.SW)
	}
	if _, err := sess.Exchange(iso7816.Command{Ins: 0xB0, P1: 0x81, Ne: 16}); err == nil {
		t.Fatal("the old session still answered after the card dropped it")
	}
}

// paceCAM reads a PACE-CAM chip (issue 20): the reader runs chip
// authentication mapping and the chip's proof, checked against its signed
// static key, is the clone verdict; the chip's last GENERAL AUTHENTICATE
// answer carries the Encrypted Chip Authentication Data (DO 8A).
func paceCAM(t *testing.T, h harness, p simcard.Profile) {
	conn, remove := h.Insert(t, newCard(t, p, simcard.FaultPACECAM))
	res, err := reader.Read(conn, reader.Options{Keys: idKey(t, p.Identity.IDNumber), Trust: testTrust(t)})
	remove() // one card in the field at a time
	if err != nil {
		t.Fatal(err)
	}
	if res.Identity != p.Identity || res.Access != cccd.AccessPACE || !res.Verification.Verified() || res.Verification.ChipAuth != cccd.ChipAuthPassed {
		t.Fatalf("access %s verdict %+v", res.Access, res.Verification)
	}
	conn = insert(t, h, newCard(t, p, simcard.FaultPACECAM))
	params := icao.PACEParams{ParamID: 13}
	params.Protocol, err = icao.ParsePACEProtocol(append(append([]int{}, icao.OIDPACEECDHCAM...), 2))
	if err != nil {
		t.Fatal(err)
	}
	r, err := icao.EstablishPACE(conn, params, icao.CANPassword(p.CAN()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.CAM == nil || r.CAM.State() != icao.CAMPending {
		t.Fatalf("no pending PACE-CAM proof after PACE: %+v", r.CAM)
	}
	if _, err := icao.PACE(conn, params, icao.CANPassword(p.CAN()), nil); !errors.Is(err, icao.ErrCAMNeedsProof) {
		t.Fatalf("PACE() with CAM: %v", err)
	}
}
