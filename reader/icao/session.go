package icao

import (
	"errors"
	"fmt"

	"motcua/reader/iso7816"
	"motcua/reader/tlv"
)

// AIDeMRTD is the ICAO eMRTD application identifier.
var AIDeMRTD = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// ErrTruncatedFile reports a file shorter than its own TLV header says.
var ErrTruncatedFile = errors.New("file is shorter than its header says (truncated or malformed chip data)")

// ErrTransient is iso7816.ErrTransient, re-exported where the resume logic lives.
var ErrTransient = iso7816.ErrTransient

// ErrExtendedRefused reports a card that announced extended length but
// answered an extended protected READ BINARY with a plain 6700 (seen on real
// eMRTDs). The card has dropped the secure-messaging session; the Session
// has switched itself to short APDUs, so re-establishing secure messaging
// and resuming the read is the remedy.
var ErrExtendedRefused = errors.New("the card refused an extended-length protected read with a plain 6700; continuing with short reads")

// ReadError is a file read that stopped part-way. Offset is the number of
// bytes already read and verified; Partial holds them so a resumed read does
// not fetch them again.
type ReadError struct {
	File    string
	Offset  int
	Partial []byte
	Err     error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("read %s at offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Counter wraps a transport and counts APDUs and bytes both ways.
type Counter struct {
	T     iso7816.Transport
	APDUs int
	Bytes int
}

// Transmit forwards and counts one exchange.
func (c *Counter) Transmit(apdu []byte) ([]byte, error) {
	out, err := c.T.Transmit(apdu)
	c.APDUs++
	c.Bytes += len(apdu) + len(out)
	return out, err
}

// Session is a card channel, plain before access control and protected by
// secure messaging after it. Once SM is set every command is wrapped and every
// response verified; there is no way back to plain.
type Session struct {
	T  iso7816.Transport
	SM *SecureMessaging
	// Extended allows extended-length APDUs (reader and card both support them).
	Extended bool
	// MaxResponse caps the data bytes asked for in one READ BINARY under the
	// APDU form in use; 0 means derive it from the form. It shrinks by itself
	// when the card answers wrong length.
	MaxResponse int
}

// Exchange sends one command through the session.
func (s *Session) Exchange(c iso7816.Command) (iso7816.Response, error) {
	if s.SM == nil {
		return iso7816.Exchange(s.T, c, s.Extended && c.NeedsExtended())
	}
	raw, err := s.SM.ProtectCommand(c, s.Extended && (c.NeedsExtended() || c.Ne > s.shortLimit()))
	if err != nil {
		return iso7816.Response{}, err
	}
	out, err := s.T.Transmit(raw)
	if err != nil {
		return iso7816.Response{}, err
	}
	return s.SM.VerifyResponse(out)
}

// shortLimit is the most plain data a protected short response can carry.
func (s *Session) shortLimit() int {
	if s.SM == nil {
		return iso7816.MaxShortNe
	}
	n := iso7816.MaxShortNe
	for n > 0 && n+ResponseOverhead(s.SM.Cipher, n) > iso7816.MaxShortNe {
		n--
	}
	return n
}

// readLimit is the READ BINARY size to ask for now: what the card has shown
// it can send; with extended length and nothing learnt yet, "as much as you
// have" (Ne = 65536), which costs no probing APDUs; else the most a
// protected short response can carry.
func (s *Session) readLimit() int {
	if s.MaxResponse > 0 {
		return s.MaxResponse
	}
	if s.Extended {
		return iso7816.MaxExtendedNe
	}
	return s.shortLimit()
}

// SelectApplication selects the eMRTD application.
func (s *Session) SelectApplication() error {
	r, err := s.Exchange(iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: AIDeMRTD})
	if err != nil {
		return fmt.Errorf("select eMRTD application: %w", err)
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("select eMRTD application: %w", err)
	}
	return nil
}

// SelectMF selects the master file. Vietnamese cards may answer 6D00; that
// is not an error worth stopping for, so it is returned for the caller to ignore.
func (s *Session) SelectMF() error {
	r, err := s.Exchange(iso7816.Command{Ins: 0xA4, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}})
	if err != nil {
		return err
	}
	return r.Err()
}

// File names an elementary file by short file identifier and file identifier.
type File struct {
	Name string
	SFI  byte   // 0 when the file has none
	FID  uint16 // used when SFI reading is refused
}

// ReadFile reads a whole BER-TLV file, starting with READ BINARY by short
// file identifier (no SELECT), falling back to SELECT + offsets when the card
// refuses SFI reads, shrinking the block size on wrong-length errors, and
// stopping exactly at the length the file's header announces. partial, when
// non-nil, holds bytes already read by an interrupted attempt.
func (s *Session) ReadFile(f File, partial []byte) ([]byte, error) {
	data := append([]byte(nil), partial...)
	total := -1
	if len(data) > 0 {
		h, v, err := tlv.HeaderLen(data)
		if err == nil {
			total = h + v
		}
	}
	useSFI := f.SFI != 0 && len(data) == 0
	if !useSFI {
		if err := s.selectEF(f); err != nil {
			return nil, err
		}
	}
	for range 4096 { // bounded: 4096 blocks is far beyond any eMRTD file
		if total >= 0 && len(data) >= total {
			return data[:total], nil
		}
		want := s.readLimit()
		if total >= 0 && total-len(data) < want {
			want = total - len(data)
		}
		off := len(data)
		cmd := iso7816.Command{Ins: 0xB0, Ne: want}
		switch {
		case useSFI:
			cmd.P1, cmd.P2 = 0x80|f.SFI, 0
		case off <= 0x7FFF:
			cmd.P1, cmd.P2 = byte(off>>8), byte(off)
		default:
			// Offsets beyond 15 bits need READ BINARY with odd INS and DO54.
			cmd.Ins = 0xB1
			cmd.Data = tlv.Encode(0x54, []byte{byte(off >> 16), byte(off >> 8), byte(off)})
		}
		extended := s.SM != nil && s.Extended && (cmd.NeedsExtended() || cmd.Ne > s.shortLimit())
		r, err := s.Exchange(cmd)
		var plain *PlainStatusError
		if extended && errors.As(err, &plain) && plain.SW == 0x6700 {
			s.Extended, s.MaxResponse = false, 0
			return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: fmt.Errorf("%w: %w", ErrExtendedRefused, err)}
		}
		if err != nil {
			return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: err}
		}
		switch {
		case r.SW == 0x9000, r.SW == 0x6282:
		case r.SW == 0x6700 || r.SW>>8 == 0x6C:
			if want <= 16 {
				return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: r.Err()}
			}
			if r.SW>>8 == 0x6C && r.SW&0xFF != 0 {
				s.MaxResponse = int(r.SW & 0xFF)
			} else {
				s.MaxResponse = want / 2
			}
			continue
		case useSFI && (r.SW == 0x6A82 || r.SW == 0x6A86 || r.SW == 0x6981 || r.SW == 0x6A81):
			// Card does not do SFI reads (or not for this file): select it.
			if f.FID == 0 {
				return nil, &ReadError{File: f.Name, Offset: off, Err: r.Err()}
			}
			if err := s.selectEF(f); err != nil {
				return nil, err
			}
			useSFI = false
			continue
		case r.SW == 0x6B00 && total >= 0:
			return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: ErrTruncatedFile}
		default:
			return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: r.Err()}
		}
		useSFI = false // the file is now the current EF
		if len(r.Data) == 0 {
			return nil, &ReadError{File: f.Name, Offset: off, Partial: data, Err: ErrTruncatedFile}
		}
		if s.Extended && s.MaxResponse == 0 && r.SW == 0x9000 && len(r.Data) < want {
			s.MaxResponse = len(r.Data) // the card's buffer: ask for exactly that from now on
		}
		data = append(data, r.Data...)
		if total < 0 {
			h, v, err := tlv.HeaderLen(data)
			if err != nil {
				if errors.Is(err, tlv.ErrTruncated) && r.SW == 0x9000 {
					continue // header longer than the first block; read on
				}
				return nil, &ReadError{File: f.Name, Offset: off, Err: fmt.Errorf("file header: %w", err)}
			}
			total = h + v
		}
		if r.SW == 0x6282 && len(data) < total {
			return nil, &ReadError{File: f.Name, Offset: len(data), Partial: data, Err: ErrTruncatedFile}
		}
	}
	return nil, &ReadError{File: f.Name, Offset: len(data), Err: errors.New("too many blocks")}
}

func (s *Session) selectEF(f File) error {
	if f.FID == 0 {
		return fmt.Errorf("select %s: no file identifier", f.Name)
	}
	r, err := s.Exchange(iso7816.Command{Ins: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(f.FID >> 8), byte(f.FID)}})
	if err != nil {
		return &ReadError{File: f.Name, Err: err}
	}
	if err := r.Err(); err != nil {
		return &ReadError{File: f.Name, Err: err}
	}
	return nil
}
