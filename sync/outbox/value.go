package outbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Format 4 keeps each dossier as ONE value under ONE key (its sequence
// number, 8 bytes big-endian) in bucket rec, so Add is one Put per dossier
// in its commit, as a bare one-put-per-commit loop is. The value is:
//
//	[0]      valueV4
//	[1]      state code (stateCodes)
//	[2]      flags (flagPurged)
//	[3:39]   UUID, 36 bytes canonical form
//	[39:47]  due time, unix nanos BE (pending; 0 otherwise)
//	[47:55]  accepted time, unix nanos BE (accepted and not purged; 0 otherwise)
//	uvarint n, n bytes: the rest of the Record, binary (recordBin)
//	uvarint n, n bytes: the data key wrapped under a master key (n = 0: none)
//	uvarint n, then n times uvarint len + bytes: owner tags
//	the rest: the payload sealed under the data key (empty: none, purged)
//
// The fixed fields in front repeat what the in-memory indexes need, so
// Open rebuilds them without parsing JSON nor copying payloads (the value
// is read in place from bbolt's mmap). One encoder writes both from the
// same Record, so they cannot disagree.

const valueV4 = 4

const (
	flagPurged = 1 << iota
)

const valueFixed = 55

var stateCodes = map[State]byte{Pending: 1, Sending: 2, Accepted: 3, Rejected: 4, NeedsAttention: 5}

var codeStates = [...]State{1: Pending, 2: Sending, 3: Accepted, 4: Rejected, 5: NeedsAttention}

// stored is one dossier as format 4 keeps it. Slices may alias the
// transaction's pages (valid only inside it) when decoded by decodeValue.
type stored struct {
	rec     Record // rec.seq is the key
	wrapped []byte // data key wrapped under a master key (nil: none)
	owners  []string
	sealed  []byte // payload sealed under the data key (nil: none or purged)
}

// hdr is what the indexes need of a value, decoded without JSON.
type hdr struct {
	id       string
	state    State
	purged   bool
	due      int64
	accepted int64
	keyID    uint32
	hasKey   bool
	owners   []string
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// encode writes the value of st.
func (st *stored) encode() ([]byte, error) {
	code, ok := stateCodes[st.rec.State]
	if !ok {
		return nil, fmt.Errorf("%w: state %q", ErrInvalidState, st.rec.State)
	}
	if len(st.rec.UUID) != 36 {
		return nil, fmt.Errorf("%w: uuid %q", ErrInvalidInput, st.rec.UUID)
	}
	rb, err := appendRecord(nil, &st.rec)
	if err != nil {
		return nil, err
	}
	n := valueFixed + 3*binary.MaxVarintLen64 + len(rb) + len(st.wrapped) + len(st.sealed)
	for _, o := range st.owners {
		n += binary.MaxVarintLen64 + len(o)
	}
	v := make([]byte, valueFixed, n)
	v[0], v[1] = valueV4, code
	if !st.rec.PurgedAt.IsZero() {
		v[2] |= flagPurged
	}
	copy(v[3:39], st.rec.UUID)
	if st.rec.State == Pending {
		binary.BigEndian.PutUint64(v[39:47], uint64(nanos(st.rec.NextAttemptAt)))
	}
	if st.rec.State == Accepted && st.rec.PurgedAt.IsZero() {
		binary.BigEndian.PutUint64(v[47:55], uint64(nanos(st.rec.AcceptedAt)))
	}
	v = binary.AppendUvarint(v, uint64(len(rb)))
	v = append(v, rb...)
	v = binary.AppendUvarint(v, uint64(len(st.wrapped)))
	v = append(v, st.wrapped...)
	v = binary.AppendUvarint(v, uint64(len(st.owners)))
	for _, o := range st.owners {
		v = binary.AppendUvarint(v, uint64(len(o)))
		v = append(v, o...)
	}
	return append(v, st.sealed...), nil
}

var errBadValue = errors.New("record value malformed")

// splitValue returns the JSON, the wrapped key, the owner tags and the
// sealed payload of a value, aliasing v.
func splitValue(v []byte) (rb, wrapped []byte, owners []string, sealed []byte, err error) {
	if len(v) < valueFixed || v[0] != valueV4 || int(v[1]) >= len(codeStates) || v[1] == 0 {
		return nil, nil, nil, nil, errBadValue
	}
	p := v[valueFixed:]
	field := func() ([]byte, bool) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return nil, false
		}
		f := p[w : w+int(n)]
		p = p[w+int(n):]
		return f, true
	}
	var ok bool
	if rb, ok = field(); !ok {
		return nil, nil, nil, nil, errBadValue
	}
	if wrapped, ok = field(); !ok {
		return nil, nil, nil, nil, errBadValue
	}
	cnt, w := binary.Uvarint(p)
	if w <= 0 || cnt > maxOwners {
		return nil, nil, nil, nil, errBadValue
	}
	p = p[w:]
	for range cnt {
		o, ok := field()
		if !ok {
			return nil, nil, nil, nil, errBadValue
		}
		owners = append(owners, string(o))
	}
	if len(wrapped) == 0 {
		wrapped = nil
	}
	if len(p) > 0 {
		sealed = p
	}
	return rb, wrapped, owners, sealed, nil
}

// decodeValue decodes a whole value (the Record's JSON included); its
// slices alias v.
func decodeValue(seq uint64, v []byte) (*stored, error) {
	rb, wrapped, owners, sealed, err := splitValue(v)
	if err != nil {
		return nil, fmt.Errorf("record %d: %w", seq, err)
	}
	st := &stored{wrapped: wrapped, owners: owners, sealed: sealed}
	if err := parseRecord(rb, &st.rec); err != nil {
		return nil, fmt.Errorf("record %d: %w", seq, err)
	}
	st.rec.UUID = string(v[3:39])
	st.rec.State = codeStates[v[1]]
	st.rec.seq = seq
	return st, nil
}

// decodeHdr decodes what the indexes need, without the JSON.
func decodeHdr(v []byte) (hdr, error) {
	_, wrapped, owners, _, err := splitValue(v)
	if err != nil {
		return hdr{}, err
	}
	h := hdr{id: string(v[3:39]), state: codeStates[v[1]], purged: v[2]&flagPurged != 0,
		due: int64(binary.BigEndian.Uint64(v[39:47])), accepted: int64(binary.BigEndian.Uint64(v[47:55])), owners: owners}
	h.keyID, h.hasKey = wrappedKeyID(wrapped)
	h.hasKey = h.hasKey || wrapped != nil
	return h, nil
}

// hdrOf is decodeHdr for a record in memory.
func hdrOf(st *stored) hdr {
	h := hdr{id: st.rec.UUID, state: st.rec.State, purged: !st.rec.PurgedAt.IsZero(), owners: st.owners}
	if st.rec.State == Pending {
		h.due = nanos(st.rec.NextAttemptAt)
	}
	if st.rec.State == Accepted && !h.purged {
		h.accepted = nanos(st.rec.AcceptedAt)
	}
	h.keyID, h.hasKey = wrappedKeyID(st.wrapped)
	h.hasKey = h.hasKey || st.wrapped != nil
	return h
}

// recordBin: the Record's fields after the UUID and state (which are in
// the fixed part), in this order, so a dossier's metadata costs about a
// hundred bytes instead of JSON's three hundred (it decides how many
// values share a 4 KiB page, hence how many pages a commit writes):
//
//	uvarint-prefixed strings: Service, Device, DossierCode, OfficialCode,
//	  Reason, LastError
//	uvarint: Attempts, ProvincialStatus, PayloadSize
//	byte: flags (1 Demo)
//	byte: which times are set (bit i: times[i]), then each set one as a
//	  varint of unix nanoseconds (UTC): CreatedAt, UpdatedAt,
//	  NextAttemptAt, AcceptedAt, StatusCheckedAt, PurgedAt
//	uvarint-prefixed: Attachments as JSON (empty: none)
func appendRecord(v []byte, r *Record) ([]byte, error) {
	for _, f := range []string{r.Service, r.Device, r.DossierCode, r.OfficialCode, r.Reason, r.LastError} {
		v = binary.AppendUvarint(v, uint64(len(f)))
		v = append(v, f...)
	}
	if r.Attempts < 0 || r.ProvincialStatus < 0 || r.PayloadSize < 0 {
		return nil, fmt.Errorf("%w: negative count in record %s", ErrInvalidInput, r.UUID)
	}
	v = binary.AppendUvarint(v, uint64(r.Attempts))
	v = binary.AppendUvarint(v, uint64(r.ProvincialStatus))
	v = binary.AppendUvarint(v, uint64(r.PayloadSize))
	var flags byte
	if r.Demo {
		flags |= 1
	}
	v = append(v, flags)
	times := recordTimes(r)
	var set byte
	for i, t := range times {
		if !t.IsZero() {
			set |= 1 << i
		}
	}
	v = append(v, set)
	for _, t := range times {
		if !t.IsZero() {
			v = binary.AppendVarint(v, t.UnixNano())
		}
	}
	var aj []byte
	if len(r.Attachments) > 0 {
		var err error
		if aj, err = json.Marshal(r.Attachments); err != nil {
			return nil, err
		}
	}
	v = binary.AppendUvarint(v, uint64(len(aj)))
	return append(v, aj...), nil
}

func recordTimes(r *Record) [6]*time.Time {
	return [6]*time.Time{&r.CreatedAt, &r.UpdatedAt, &r.NextAttemptAt, &r.AcceptedAt, &r.StatusCheckedAt, &r.PurgedAt}
}

// parseRecord decodes what appendRecord wrote (strings are copied).
func parseRecord(p []byte, r *Record) error {
	str := func() (string, bool) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return "", false
		}
		s := string(p[w : w+int(n)])
		p = p[w+int(n):]
		return s, true
	}
	uv := func() (int, bool) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > 1<<40 {
			return 0, false
		}
		p = p[w:]
		return int(n), true
	}
	ok := true
	for _, f := range []*string{&r.Service, &r.Device, &r.DossierCode, &r.OfficialCode, &r.Reason, &r.LastError} {
		if ok {
			*f, ok = str()
		}
	}
	for _, f := range []*int{&r.Attempts, &r.ProvincialStatus, &r.PayloadSize} {
		if ok {
			*f, ok = uv()
		}
	}
	if !ok || len(p) < 2 {
		return errBadValue
	}
	r.Demo = p[0]&1 != 0
	set := p[1]
	p = p[2:]
	for i, t := range recordTimes(r) {
		*t = time.Time{}
		if set&(1<<i) == 0 {
			continue
		}
		n, w := binary.Varint(p)
		if w <= 0 {
			return errBadValue
		}
		p = p[w:]
		*t = time.Unix(0, n).UTC()
	}
	aj, ok := str()
	if !ok {
		return errBadValue
	}
	r.Attachments = nil
	if aj != "" {
		if err := json.Unmarshal([]byte(aj), &r.Attachments); err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
	}
	return nil
}
