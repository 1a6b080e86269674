package ecc

import "math/big"

// window is the width in bits of the fixed-window scalar multiplication:
// 2^window table entries, one addition per window.
const window = 4

// scalarMult sets r = k·p for a possibly secret k (an ephemeral ECDH or
// signing key). It is a fixed-window method: the number of windows depends
// only on the group order (and on k's length if k is longer), every window
// costs four doublings and one addition, and the table entry is fetched by
// reading all sixteen entries and keeping one by mask. The addition of the
// window's entry to the running sum never meets the exceptional p == ±q case
// when 0 <= k < N and p has order N: the running sum is m·p with m a prefix
// of k times 16, the entry d·p with 0 < d < 16, and 0 < m+d <= k < N.
// math/big still converts k and the result (see the package doc).
func (ar *arith) scalarMult(r *jac, p *jac, k *big.Int, order *big.Int) {
	var table [1 << window]jac // table[i] = i·p, table[0] = infinity
	table[1] = *p
	for i := 2; i < len(table); i++ {
		if i%2 == 0 {
			ar.double(&table[i], &table[i/2])
		} else {
			ar.add(&table[i], &table[i-1], p)
		}
	}
	bitsLen := max(order.BitLen(), k.BitLen())
	nWin := (bitsLen + window - 1) / window
	kb := make([]byte, (nWin*window+7)/8)
	k.FillBytes(kb)               // |k|, big-endian; ScalarMultInt negates for a negative k
	digit := func(w int) uint64 { // window w counted from the least significant
		bit := w * window
		b := kb[len(kb)-1-bit/8]
		return uint64(b>>(uint(bit)%8)) & (1<<window - 1)
	}
	var acc, entry jac // acc starts at infinity
	for w := nWin - 1; w >= 0; w-- {
		for range window {
			ar.double(&acc, &acc)
		}
		d := digit(w)
		for i := range table {
			// eq is 1 when i == d, computed without a comparison branch
			x := uint64(i) ^ d
			eq := 1 ^ (x|-x)>>63
			ar.selectJac(&entry, &entry, &table[i], eq)
		}
		ar.addCT(&acc, &acc, &entry)
	}
	*r = acc
}

// wnafWidth is the window of the variable-time width-w NAF used to verify
// signatures: odd multiples 1·P … 15·P in the table, a nonzero digit at
// most every w+1 bits on average.
const wnafWidth = 5

// wnaf returns the width-w NAF digits of k ≥ 0, least significant first.
// It runs in time that depends on k: use it only for public scalars.
func wnaf(k *big.Int, w uint) []int8 {
	words := make([]uint64, (k.BitLen()+63)/64+1)
	kb := k.Bytes()
	for i, b := range kb {
		pos := len(kb) - 1 - i
		words[pos/8] |= uint64(b) << (8 * uint(pos%8))
	}
	isZero := func() bool {
		for _, x := range words {
			if x != 0 {
				return false
			}
		}
		return true
	}
	out := make([]int8, 0, k.BitLen()+1)
	mod := uint64(1) << w
	for !isZero() {
		var d int64
		if words[0]&1 == 1 {
			d = int64(words[0] & (mod - 1))
			if d >= int64(mod/2) {
				d -= int64(mod)
			}
			// k -= d: subtract a positive digit or add the magnitude of a negative one
			if d > 0 {
				borrow := uint64(d)
				for i := range words {
					old := words[i]
					words[i] -= borrow
					if old >= borrow {
						break
					}
					borrow = 1
				}
			} else {
				carry := uint64(-d)
				for i := range words {
					old := words[i]
					words[i] += carry
					if words[i] >= old {
						break
					}
					carry = 1
				}
			}
		}
		out = append(out, int8(d))
		// k >>= 1
		for i := 0; i < len(words); i++ {
			words[i] >>= 1
			if i+1 < len(words) {
				words[i] |= words[i+1] << 63
			}
		}
	}
	return out
}

// oddMultiples returns the table of the wNAF digits: 1·p, 3·p, …, 15·p
// (2^(w-2) odd multiples).
func (ar *arith) oddMultiples(p *jac) []jac {
	t := make([]jac, 1<<(wnafWidth-2))
	var p2 jac
	ar.double(&p2, p)
	t[0] = *p
	for i := 1; i < len(t); i++ {
		ar.add(&t[i], &t[i-1], &p2)
	}
	return t
}

// doubleMult sets r = u1·g + u2·q for public scalars (signature
// verification): Shamir's trick with interleaved width-5 NAFs, so both
// multiplications share one chain of doublings.
func (ar *arith) doubleMult(r *jac, g *jac, u1 *big.Int, q *jac, u2 *big.Int) {
	n1, n2 := wnaf(u1, wnafWidth), wnaf(u2, wnafWidth)
	tg, tq := ar.oddMultiples(g), ar.oddMultiples(q)
	var acc, neg jac
	for i := max(len(n1), len(n2)) - 1; i >= 0; i-- {
		ar.double(&acc, &acc)
		for _, step := range [2]struct {
			naf   []int8
			table []jac
		}{{n1, tg}, {n2, tq}} {
			if i >= len(step.naf) || step.naf[i] == 0 {
				continue
			}
			d := step.naf[i]
			if d > 0 {
				ar.add(&acc, &acc, &step.table[d/2])
			} else {
				ar.negate(&neg, &step.table[(-d)/2])
				ar.add(&acc, &acc, &neg)
			}
		}
	}
	*r = acc
}
