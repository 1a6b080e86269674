package icao

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"motcua/reader/iso7816"
	"motcua/reader/tlv"
)

// Secure-messaging errors. Any of them ends the session: the send-sequence
// counters can no longer be trusted to agree.
var (
	ErrResponseMAC         = errors.New("secure messaging: response MAC does not verify (possible tampering or a faulty reader); session aborted")
	ErrUnprotectedResponse = errors.New("secure messaging: card answered without protection after keys were set; session aborted")
	ErrCommandMAC          = errors.New("secure messaging: command MAC does not verify")
	ErrSMFormat            = errors.New("secure messaging: malformed protected message")
)

// PlainStatusError is a plain status word where a protected response was
// due: ErrUnprotectedResponse with the card's status kept, so that a caller
// can tell a card that refuses an extended command (6700) from one that
// cannot answer under the keys. It deliberately does not match the
// iso7816 status sentinels: an unprotected status proves nothing.
type PlainStatusError struct{ SW uint16 }

func (e *PlainStatusError) Error() string {
	return fmt.Sprintf("%v (card status %04X)", ErrUnprotectedResponse, e.SW)
}

// Is makes a PlainStatusError match ErrUnprotectedResponse.
func (e *PlainStatusError) Is(target error) bool { return target == ErrUnprotectedResponse }

// SecureMessaging holds session keys and the send-sequence counter. One value
// serves one side of one session (the terminal's or the card's); both sides
// increment the counter before every command and every response.
type SecureMessaging struct {
	Cipher Cipher
	encKey []byte
	macKey []byte
	ssc    []byte
}

// NewSecureMessaging starts a session with the given keys and initial counter.
// ssc must be one block long (8 bytes for 3DES, 16 for AES).
func NewSecureMessaging(c Cipher, encKey, macKey, ssc []byte) (*SecureMessaging, error) {
	if len(ssc) != c.BlockSize() {
		return nil, fmt.Errorf("icao: SSC of %d bytes for %s", len(ssc), c)
	}
	if len(encKey) != c.KeyLen() || len(macKey) != c.KeyLen() {
		return nil, fmt.Errorf("icao: session keys of %d/%d bytes for %s", len(encKey), len(macKey), c)
	}
	return &SecureMessaging{
		Cipher: c,
		encKey: append([]byte(nil), encKey...),
		macKey: append([]byte(nil), macKey...),
		ssc:    append([]byte(nil), ssc...),
	}, nil
}

// SSC returns a copy of the current send-sequence counter.
func (sm *SecureMessaging) SSC() []byte { return append([]byte(nil), sm.ssc...) }

// Wipe zeroes the keys; the value must not be used afterwards.
func (sm *SecureMessaging) Wipe() {
	clear(sm.encKey)
	clear(sm.macKey)
	clear(sm.ssc)
}

func (sm *SecureMessaging) incSSC() {
	for i := len(sm.ssc) - 1; i >= 0; i-- {
		sm.ssc[i]++
		if sm.ssc[i] != 0 {
			return
		}
	}
}

// iv is zero for 3DES and E(KSenc, SSC) for AES (9303-11 §9.8.6.1).
func (sm *SecureMessaging) iv() ([]byte, error) {
	if sm.Cipher == TDES {
		return nil, nil
	}
	blk, err := newBlock(sm.Cipher, sm.encKey)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 16)
	blk.Encrypt(out, sm.ssc)
	return out, nil
}

func (sm *SecureMessaging) mac(parts ...[]byte) ([]byte, error) {
	var n []byte
	n = append(n, sm.ssc...)
	for _, p := range parts {
		n = append(n, p...)
	}
	return MAC(sm.Cipher, sm.macKey, Pad(n, sm.Cipher.BlockSize()))
}

func (sm *SecureMessaging) encrypt(data []byte) ([]byte, error) {
	iv, err := sm.iv()
	if err != nil {
		return nil, err
	}
	return cbcEncrypt(sm.Cipher, sm.encKey, iv, Pad(data, sm.Cipher.BlockSize()))
}

func (sm *SecureMessaging) decrypt(ct []byte) ([]byte, error) {
	iv, err := sm.iv()
	if err != nil {
		return nil, err
	}
	p, err := cbcDecrypt(sm.Cipher, sm.encKey, iv, ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSMFormat, err)
	}
	return Unpad(p)
}

// encodeLe encodes Ne for DO97: one byte for short APDUs, two for extended.
func encodeLe(ne int, extended bool) []byte {
	if !extended {
		return []byte{byte(ne)} // 256 -> 00
	}
	if ne == iso7816.MaxExtendedNe {
		ne = 0
	}
	return []byte{byte(ne >> 8), byte(ne)}
}

// ProtectCommand wraps a plain command (terminal side). extended selects the
// extended APDU form for the protected command.
func (sm *SecureMessaging) ProtectCommand(c iso7816.Command, extended bool) ([]byte, error) {
	sm.incSSC()
	bs := sm.Cipher.BlockSize()
	header := Pad([]byte{c.Cla | 0x0C, c.Ins, c.P1, c.P2}, bs)
	var body []byte
	if len(c.Data) > 0 {
		if c.Ins&1 == 1 {
			// Odd INS: the data is BER-TLV and travels in DO85, unpadded-indicator-free.
			ct, err := sm.encrypt(c.Data)
			if err != nil {
				return nil, err
			}
			body = append(body, tlv.Encode(0x85, ct)...)
		} else {
			ct, err := sm.encrypt(c.Data)
			if err != nil {
				return nil, err
			}
			body = append(body, tlv.Encode(0x87, []byte{0x01}, ct)...)
		}
	}
	ext := extended || c.Ne > iso7816.MaxShortNe
	if c.Ne > 0 {
		body = append(body, tlv.Encode(0x97, encodeLe(c.Ne, ext))...)
	}
	mac, err := sm.mac(header, body)
	if err != nil {
		return nil, err
	}
	body = append(body, tlv.Encode(0x8E, mac)...)
	ne := iso7816.MaxShortNe
	if ext {
		ne = iso7816.MaxExtendedNe
	}
	return iso7816.Command{Cla: c.Cla | 0x0C, Ins: c.Ins, P1: c.P1, P2: c.P2, Data: body, Ne: ne}.Bytes(ext)
}

// VerifyResponse checks and unwraps a protected response (terminal side). A
// response without DO8E, or with a MAC that does not verify, is an error:
// unprotected data is never accepted once keys are set.
func (sm *SecureMessaging) VerifyResponse(raw []byte) (iso7816.Response, error) {
	outer, err := iso7816.ParseResponse(raw)
	if err != nil {
		return iso7816.Response{}, err
	}
	sm.incSSC()
	objs, err := tlv.ParseAll(outer.Data)
	if err != nil || len(objs) == 0 {
		if outer.SW != 0x9000 {
			return iso7816.Response{}, &PlainStatusError{SW: outer.SW}
		}
		return iso7816.Response{}, fmt.Errorf("%w: %v", ErrSMFormat, err)
	}
	var do87, do99, do8e []byte
	var macInput []byte
	var enc []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x87, 0x85:
			do87 = o.Value
			macInput = append(macInput, tlv.Encode(o.Tag, o.Value)...)
			if o.Tag == 0x87 {
				if len(o.Value) < 1 || o.Value[0] != 0x01 {
					return iso7816.Response{}, fmt.Errorf("%w: DO87 without padding indicator 01", ErrSMFormat)
				}
				enc = o.Value[1:]
			} else {
				enc = o.Value
			}
		case 0x99:
			do99 = o.Value
			macInput = append(macInput, tlv.Encode(o.Tag, o.Value)...)
		case 0x8E:
			do8e = o.Value
		default:
			return iso7816.Response{}, fmt.Errorf("%w: unexpected tag %X", ErrSMFormat, o.Tag)
		}
	}
	if do8e == nil {
		return iso7816.Response{}, ErrUnprotectedResponse
	}
	want, err := sm.mac(macInput)
	if err != nil {
		return iso7816.Response{}, err
	}
	if subtle.ConstantTimeCompare(want, do8e) != 1 {
		return iso7816.Response{}, ErrResponseMAC
	}
	if len(do99) != 2 {
		return iso7816.Response{}, fmt.Errorf("%w: DO99 missing", ErrSMFormat)
	}
	r := iso7816.Response{SW: uint16(do99[0])<<8 | uint16(do99[1])}
	if do87 != nil {
		r.Data, err = sm.decrypt(enc)
		if err != nil {
			return iso7816.Response{}, err
		}
	}
	return r, nil
}

// OpenCommand verifies and unwraps a protected command (card side). It
// returns the plain command and whether the extended form was used.
func (sm *SecureMessaging) OpenCommand(raw []byte) (iso7816.Command, bool, error) {
	pc, ext, err := iso7816.ParseCommand(raw)
	if err != nil {
		return iso7816.Command{}, false, fmt.Errorf("%w: %v", ErrSMFormat, err)
	}
	sm.incSSC()
	if pc.Cla&0x0C != 0x0C {
		return iso7816.Command{}, ext, fmt.Errorf("%w: CLA %02X is not protected", ErrSMFormat, pc.Cla)
	}
	objs, err := tlv.ParseAll(pc.Data)
	if err != nil {
		return iso7816.Command{}, ext, fmt.Errorf("%w: %v", ErrSMFormat, err)
	}
	c := iso7816.Command{Cla: pc.Cla &^ 0x0C, Ins: pc.Ins, P1: pc.P1, P2: pc.P2}
	var body, enc, mac []byte
	hasLe := false
	for _, o := range objs {
		switch o.Tag {
		case 0x87:
			if len(o.Value) < 1 || o.Value[0] != 1 {
				return c, ext, fmt.Errorf("%w: DO87 padding indicator", ErrSMFormat)
			}
			enc = o.Value[1:]
			body = append(body, tlv.Encode(o.Tag, o.Value)...)
		case 0x85:
			enc = o.Value
			body = append(body, tlv.Encode(o.Tag, o.Value)...)
		case 0x97:
			hasLe = true
			for _, b := range o.Value {
				c.Ne = c.Ne<<8 | int(b)
			}
			if c.Ne == 0 {
				if len(o.Value) == 2 {
					c.Ne = iso7816.MaxExtendedNe
				} else {
					c.Ne = iso7816.MaxShortNe
				}
			}
			body = append(body, tlv.Encode(o.Tag, o.Value)...)
		case 0x8E:
			mac = o.Value
		default:
			return c, ext, fmt.Errorf("%w: unexpected tag %X", ErrSMFormat, o.Tag)
		}
	}
	if mac == nil {
		return c, ext, fmt.Errorf("%w: DO8E missing", ErrSMFormat)
	}
	header := Pad([]byte{pc.Cla, pc.Ins, pc.P1, pc.P2}, sm.Cipher.BlockSize())
	want, err := sm.mac(header, body)
	if err != nil {
		return c, ext, err
	}
	if subtle.ConstantTimeCompare(want, mac) != 1 {
		return c, ext, ErrCommandMAC
	}
	if enc != nil {
		if c.Data, err = sm.decrypt(enc); err != nil {
			return c, ext, err
		}
	}
	if !hasLe {
		c.Ne = 0
	}
	return c, ext, nil
}

// ProtectResponse wraps a plain response (card side). Every response under
// secure messaging is protected, error statuses included.
func (sm *SecureMessaging) ProtectResponse(r iso7816.Response) ([]byte, error) {
	sm.incSSC()
	var body []byte
	if len(r.Data) > 0 {
		ct, err := sm.encrypt(r.Data)
		if err != nil {
			return nil, err
		}
		body = append(body, tlv.Encode(0x87, []byte{0x01}, ct)...)
	}
	body = append(body, tlv.Encode(0x99, []byte{byte(r.SW >> 8), byte(r.SW)})...)
	mac, err := sm.mac(body)
	if err != nil {
		return nil, err
	}
	body = append(body, tlv.Encode(0x8E, mac)...)
	// The outer status repeats DO99, as cards do; the reader trusts only DO99.
	return iso7816.Response{Data: body, SW: r.SW}.Bytes(), nil
}

// ResponseOverhead is the number of bytes secure messaging adds around n
// plain response bytes; the reader uses it to size READ BINARY requests so
// the protected response still fits the APDU form in use.
func ResponseOverhead(c Cipher, n int) int {
	bs := c.BlockSize()
	padded := (n/bs + 1) * bs
	do87 := 0
	if n > 0 {
		do87 = len(tlv.AppendLength(nil, padded+1)) + 1 + 1 + padded
	}
	return do87 + 4 + 10 - n
}
