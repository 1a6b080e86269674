package pcsc

import (
	"testing"

	"motcua/hwtest/vpcd"
	"motcua/reader/iso7816"
)

// BenchmarkTransmitVPCD measures one APDU (READ BINARY of 223 bytes, the
// size of a secure-messaging block) answered by the test card:
//
//   - inprocess: the card's Transmit called directly, the baseline;
//   - pcscd/quickack: through pcsc-lite, pcscd, the vpcd driver and TCP
//     to the card served by hwtest/vpcd with TCP_QUICKACK before every read;
//   - pcscd/delayedack: the same without TCP_QUICKACK;
//   - pcscd/quickack-extended: one extended READ BINARY of 2744 bytes.
//
// Run: go test -run '^$' -bench TransmitVPCD ./reader/pcsc/
func BenchmarkTransmitVPCD(b *testing.B) {
	read := []byte{0x00, 0xB0, 0x00, 0x00, 223}
	b.Run("inprocess", func(b *testing.B) {
		card := newTestCard()
		sel, _ := iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: testAID}.Bytes(false)
		card.Transmit(sel)
		for b.Loop() {
			if r, err := card.Transmit(read); err != nil || len(r) != 225 {
				b.Fatalf("%d bytes, %v", len(r), err)
			}
		}
	})
	extended, _ := iso7816.Command{Ins: 0xB0, P1: 0x01, Ne: iso7816.MaxExtendedNe}.Bytes(true)
	for _, tc := range []struct {
		name string
		opts vpcd.Options
		apdu []byte
		want int
	}{
		{"pcscd/quickack", vpcd.Options{}, read, 225},
		{"pcscd/delayedack", vpcd.Options{DelayedACK: true}, read, 225},
		{"pcscd/quickack-extended", vpcd.Options{}, extended, 2744 + 2},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := openStack(b)
			waitEmpty(b, c)
			slot := vpcd.NewSlot(testAddr, tc.opts)
			if err := slot.Insert(newTestCard()); err != nil {
				b.Fatal(err)
			}
			defer func() {
				slot.Remove()
				waitEmpty(b, c)
			}()
			k := connectWhenPresent(b, c, true)
			defer k.Close()
			if r := mustTransmit(b, k, iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: testAID}, false); r.Err() != nil {
				b.Fatal(r.Err())
			}
			for b.Loop() {
				if r, err := k.Transmit(tc.apdu); err != nil || len(r) != tc.want {
					b.Fatalf("%d bytes, %v", len(r), err)
				}
			}
		})
	}
}
