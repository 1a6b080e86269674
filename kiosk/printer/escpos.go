package printer

// ESC/POS command bytes (Epson "ESC/POS Application Programming Guide";
// the subset every 58/80 mm kiosk printer implements).
const (
	esc = 0x1b
	gs  = 0x1d
	dle = 0x10
	eot = 0x04
)

// cmdInit is ESC @: reset modes, clear the buffer.
var cmdInit = []byte{esc, '@'}

// align is ESC a n: 0 left, 1 centre, 2 right.
func align(n byte) []byte { return []byte{esc, 'a', n} }

// feed is ESC d n: print and feed n lines.
func feed(n byte) []byte { return []byte{esc, 'd', n} }

// cmdCut is GS V 66 n: feed to the cutter position plus n and cut
// (function B, partial cut where the printer has only one kind).
func cutCmd(n byte) []byte { return []byte{gs, 'V', 66, n} }

// raster is GS v 0 m xL xH yL yH d...: a 1-bit image, widthBytes bytes
// per row, rows rows, most significant bit the leftmost dot, 1 = black.
func raster(widthBytes, rows int, bits []byte) []byte {
	b := make([]byte, 0, 8+len(bits))
	b = append(b, gs, 'v', '0', 0,
		byte(widthBytes), byte(widthBytes>>8), byte(rows), byte(rows>>8))
	return append(b, bits...)
}

// QR code commands: GS ( k pL pH cn fn [params], cn = 49 (QR).
func qrFn(fn byte, params ...byte) []byte {
	n := 2 + len(params)
	b := []byte{gs, '(', 'k', byte(n), byte(n >> 8), 49, fn}
	return append(b, params...)
}

// qrNative selects model 2, module size, error correction M, stores the
// payload (fn 80) and prints it (fn 81).
func qrNative(payload []byte, module byte) []byte {
	var b []byte
	b = append(b, qrFn(65, 50, 0)...)                             // fn 65: model 2
	b = append(b, qrFn(67, module)...)                            // fn 67: module size in dots
	b = append(b, qrFn(69, 49)...)                                // fn 69: error correction M (15 %)
	b = append(b, qrFn(80, append([]byte{48}, payload...)...)...) // fn 80: store
	b = append(b, qrFn(81, 48)...)                                // fn 81: print the stored symbol
	return b
}

// Real-time status: DLE EOT n. The printer answers one byte at once,
// even while busy, whose bits 1 and 4 are set and bits 0 and 7 clear.
const (
	statusPrinter = 1 // bit 3: offline
	statusOffline = 2 // bit 2: cover open, bit 5: stopped by paper end, bit 6: error
	statusError   = 3 // bit 3: auto-cutter error, bit 5: unrecoverable, bit 6: auto-recoverable
	statusPaper   = 4 // bits 2,3: paper near end; bits 5,6: paper end
)

func statusQuery(n byte) []byte { return []byte{dle, eot, n} }

// validStatus tells a status byte from noise.
func validStatus(b byte) bool { return b&0x93 == 0x12 }
