// Package icao implements ICAO Doc 9303 Part 11 access control and secure
// messaging: BAC, PACE (ECDH generic mapping and chip authentication
// mapping, PACE-CAM), Chip and Active Authentication, and the
// secure-messaging codec for 3DES and AES. Both the terminal side and the card side of each protocol
// live here, so the simulated card in hwtest runs exactly the same
// cryptography the reader checks against.
package icao

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

// Cipher is the symmetric algorithm of a secure-messaging session.
type Cipher int

// Supported ciphers.
const (
	TDES Cipher = iota + 1
	AES128
	AES192
	AES256
)

func (c Cipher) String() string {
	switch c {
	case TDES:
		return "3DES"
	case AES128:
		return "AES-128"
	case AES192:
		return "AES-192"
	case AES256:
		return "AES-256"
	}
	return fmt.Sprintf("cipher(%d)", int(c))
}

// BlockSize is 8 for 3DES and 16 for AES.
func (c Cipher) BlockSize() int {
	if c == TDES {
		return 8
	}
	return 16
}

// KeyLen is the key length in bytes (16 for two-key 3DES).
func (c Cipher) KeyLen() int {
	switch c {
	case AES192:
		return 24
	case AES256:
		return 32
	}
	return 16
}

// KDF counters (ICAO 9303-11 §9.7.1).
const (
	kdfEnc = 1
	kdfMAC = 2
	kdfPI  = 3
)

// KDF derives a key of the cipher's length from the shared secret k and a
// 32-bit counter: SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256.
func KDF(c Cipher, k []byte, counter uint32) []byte {
	in := make([]byte, 0, len(k)+4)
	in = append(in, k...)
	in = append(in, byte(counter>>24), byte(counter>>16), byte(counter>>8), byte(counter))
	var h []byte
	if c == AES192 || c == AES256 {
		s := sha256.Sum256(in)
		h = s[:]
	} else {
		s := sha1.Sum(in)
		h = s[:]
	}
	key := h[:c.KeyLen()]
	if c == TDES {
		key = adjustParity(key)
	}
	return append([]byte(nil), key...)
}

// adjustParity sets odd parity on each DES key byte. Cards ignore parity but
// the ICAO test vectors show parity-adjusted keys.
func adjustParity(k []byte) []byte {
	out := make([]byte, len(k))
	for i, b := range k {
		b &= 0xFE
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		out[i] = b
	}
	return out
}

func newBlock(c Cipher, key []byte) (cipher.Block, error) {
	if c == TDES {
		if len(key) != 16 {
			return nil, fmt.Errorf("icao: 3DES key of %d bytes, want 16", len(key))
		}
		k := make([]byte, 24)
		copy(k, key)
		copy(k[16:], key[:8])
		return des.NewTripleDESCipher(k)
	}
	return aes.NewCipher(key)
}

// Pad applies ISO/IEC 9797-1 padding method 2: 80 then zeros to a block boundary.
func Pad(b []byte, bs int) []byte {
	out := make([]byte, len(b), len(b)+bs)
	copy(out, b)
	out = append(out, 0x80)
	for len(out)%bs != 0 {
		out = append(out, 0)
	}
	return out
}

// ErrPadding reports data whose ISO 9797-1 method 2 padding is malformed.
var ErrPadding = errors.New("icao: bad padding")

// Unpad removes ISO/IEC 9797-1 padding method 2.
func Unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case 0:
			continue
		case 0x80:
			return b[:i], nil
		}
		return nil, ErrPadding
	}
	return nil, ErrPadding
}

func cbcEncrypt(c Cipher, key, iv, data []byte) ([]byte, error) {
	blk, err := newBlock(c, key)
	if err != nil {
		return nil, err
	}
	if len(data)%blk.BlockSize() != 0 {
		return nil, errors.New("icao: CBC input not a whole number of blocks")
	}
	if iv == nil {
		iv = make([]byte, blk.BlockSize())
	}
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, data)
	return out, nil
}

func cbcDecrypt(c Cipher, key, iv, data []byte) ([]byte, error) {
	blk, err := newBlock(c, key)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data)%blk.BlockSize() != 0 {
		return nil, errors.New("icao: ciphertext not a whole number of blocks")
	}
	if iv == nil {
		iv = make([]byte, blk.BlockSize())
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, data)
	return out, nil
}

// MAC computes the 8-byte message authentication code of already padded data:
// ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) for 3DES, CMAC truncated to 8
// bytes for AES.
func MAC(c Cipher, key, padded []byte) ([]byte, error) {
	if c == TDES {
		return retailMAC(key, padded)
	}
	full, err := cmac(key, padded)
	if err != nil {
		return nil, err
	}
	return full[:8], nil
}

func retailMAC(key, data []byte) ([]byte, error) {
	if len(key) != 16 || len(data)%8 != 0 {
		return nil, errors.New("icao: retail MAC needs a 16-byte key and padded data")
	}
	ka, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	kb, err := des.NewCipher(key[8:16])
	if err != nil {
		return nil, err
	}
	h := make([]byte, 8)
	for i := 0; i < len(data); i += 8 {
		subtle.XORBytes(h, h, data[i:i+8])
		ka.Encrypt(h, h)
	}
	kb.Decrypt(h, h)
	ka.Encrypt(h, h)
	return h, nil
}

// cmac is AES-CMAC (NIST SP 800-38B / RFC 4493), full 16 bytes. ICAO pads the
// input itself, so the input is always whole blocks here, but the general
// construction is kept for clarity.
func cmac(key, data []byte) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	k1, k2 := cmacSubkeys(blk)
	n := (len(data) + 15) / 16
	last := make([]byte, 16)
	if n > 0 && len(data)%16 == 0 {
		subtle.XORBytes(last, data[(n-1)*16:], k1)
	} else {
		if n == 0 {
			n = 1
		}
		rem := data[(n-1)*16:]
		copy(last, rem)
		last[len(rem)] = 0x80
		subtle.XORBytes(last, last, k2)
	}
	x := make([]byte, 16)
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x, x, data[i*16:(i+1)*16])
		blk.Encrypt(x, x)
	}
	subtle.XORBytes(x, x, last)
	blk.Encrypt(x, x)
	return x, nil
}

func cmacSubkeys(blk cipher.Block) (k1, k2 []byte) {
	l := make([]byte, 16)
	blk.Encrypt(l, l)
	dbl := func(in []byte) []byte {
		out := make([]byte, 16)
		carry := in[0] >> 7
		for i := 0; i < 15; i++ {
			out[i] = in[i]<<1 | in[i+1]>>7
		}
		out[15] = in[15] << 1
		if carry == 1 {
			out[15] ^= 0x87
		}
		return out
	}
	k1 = dbl(l)
	k2 = dbl(k1)
	return k1, k2
}
