package outbox

import (
	"bufio"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
)

// A sealed attachment file is a stream of AES-256-GCM chunks under the
// record's data key, so an attachment is never whole in memory, neither
// when it is written nor when it is read back for delivery:
//
//	header: "MCA3" | version (1) | nonce prefix (7 random bytes)
//	chunks: seal(plaintext[i*chunk : (i+1)*chunk]), nonce = prefix | i (4, BE) | last (1)
//
// The chunk counter in the nonce stops reordering, the last flag stops
// truncation (a file cut after a full chunk fails: no chunk says "last"),
// and the additional data binds the chunk to the record's UUID, the
// attachment's index and its name, so an attachment cannot be moved to
// another record or slot.
const (
	attachMagic     = "MCA3"
	attachVersion   = 1
	attachChunk     = 64 << 10
	attachHeaderLen = 4 + 1 + 7
	purposeAttach   = "attachment"
)

// ErrAttachmentCorrupt is returned when a sealed attachment fails to
// authenticate or does not match the size and SHA-256 recorded for it. The
// worker parks such a record instead of sending the attachment.
var ErrAttachmentCorrupt = errors.New("outbox: sealed attachment is corrupt")

func attachAAD(uuid string, index int, name string) []byte {
	return []byte("motcua-outbox-v3:" + purposeAttach + ":" + uuid + ":" + strconv.Itoa(index) + ":" + name)
}

func attachNonce(prefix []byte, n uint32, last bool) []byte {
	nonce := make([]byte, 12)
	copy(nonce, prefix)
	binary.BigEndian.PutUint32(nonce[7:11], n)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// sealedStats is what sealing an attachment measured.
type sealedStats struct {
	size, sealed int64
	sha256       string
}

// sealStream reads src to its end and writes it sealed to dst. It stops
// with errTooLarge as soon as the plaintext passes limit bytes, or the
// sealed output passes budget bytes, without reading further.
func sealStream(dk []byte, uuid string, index int, name string, src io.Reader, dst io.Writer, limit, budget int64) (sealedStats, error) {
	var st sealedStats
	a, err := newAEAD(dk)
	if err != nil {
		return st, err
	}
	hdr := make([]byte, attachHeaderLen)
	copy(hdr, attachMagic)
	hdr[4] = attachVersion
	if _, err := rand.Read(hdr[5:]); err != nil {
		return st, fmt.Errorf("nonce: %w", err)
	}
	if _, err := dst.Write(hdr); err != nil {
		return st, err
	}
	st.sealed = attachHeaderLen
	aad := attachAAD(uuid, index, name)
	h := sha256.New()
	br := bufio.NewReaderSize(src, attachChunk)
	buf := make([]byte, attachChunk)
	out := make([]byte, 0, attachChunk+a.Overhead())
	for n := uint32(0); ; n++ {
		k, rerr := io.ReadFull(br, buf)
		last := false
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			last = true
		case rerr != nil:
			return st, fmt.Errorf("read attachment: %w", rerr)
		default:
			if _, perr := br.Peek(1); perr == io.EOF {
				last = true
			} else if perr != nil {
				return st, fmt.Errorf("read attachment: %w", perr)
			}
		}
		st.size += int64(k)
		if st.size > limit {
			return st, &TooLargeError{Name: name, Limit: limit}
		}
		if st.sealed+int64(k+a.Overhead()) > budget {
			return st, &BudgetError{Budget: budget}
		}
		if n == ^uint32(0) {
			return st, &TooLargeError{Name: name, Limit: limit}
		}
		h.Write(buf[:k])
		out = a.Seal(out[:0], attachNonce(hdr[5:], n, last), buf[:k], aad)
		if _, err := dst.Write(out); err != nil {
			return st, err
		}
		st.sealed += int64(len(out))
		if last {
			break
		}
	}
	clear(buf)
	st.sha256 = hex.EncodeToString(h.Sum(nil))
	return st, nil
}

// openReader decrypts a sealed attachment chunk by chunk. At the end it
// checks the size and SHA-256 against the recorded ones; any failure is
// ErrAttachmentCorrupt. Bytes are released only after their chunk has
// authenticated, so a reader never sees forged data, but a caller that
// must not send a partly corrupt file verifies first (Store.VerifyAttachments).
type openReader struct {
	a      cipher.AEAD
	br     *bufio.Reader
	prefix []byte
	aad    []byte
	n      uint32
	pend   []byte
	buf    []byte
	done   bool
	err    error
	h      hash.Hash
	size   int64
	want   Attachment
	closer io.Closer
	dk     []byte
}

func newOpenReader(dk []byte, uuid string, index int, att Attachment, f io.ReadCloser) (*openReader, error) {
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, attachChunk+a.Overhead())
	hdr := make([]byte, attachHeaderLen)
	if _, err := io.ReadFull(br, hdr); err != nil || string(hdr[:4]) != attachMagic || hdr[4] != attachVersion {
		return nil, fmt.Errorf("%w: %q: bad header", ErrAttachmentCorrupt, att.Name)
	}
	return &openReader{a: a, br: br, prefix: hdr[5:], aad: attachAAD(uuid, index, att.Name),
		buf: make([]byte, attachChunk+a.Overhead()), h: sha256.New(), want: att, closer: f}, nil
}

func (r *openReader) corrupt(why string) error {
	r.err = fmt.Errorf("%w: %q: %s", ErrAttachmentCorrupt, r.want.Name, why)
	return r.err
}

func (r *openReader) Read(p []byte) (int, error) {
	for len(r.pend) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			if r.size != r.want.Size || hex.EncodeToString(r.h.Sum(nil)) != r.want.SHA256 {
				return 0, r.corrupt("size or SHA-256 differs from the record")
			}
			r.err = io.EOF
			return 0, io.EOF
		}
		k, rerr := io.ReadFull(r.br, r.buf)
		last := false
		switch {
		case rerr == io.EOF:
			return 0, r.corrupt("truncated (no final chunk)")
		case rerr == io.ErrUnexpectedEOF:
			last = true
		case rerr != nil:
			r.err = fmt.Errorf("read sealed attachment %q: %w", r.want.Name, classifyIOError(rerr))
			return 0, r.err
		default:
			if _, perr := r.br.Peek(1); perr == io.EOF {
				last = true
			}
		}
		pt, err := r.a.Open(r.buf[:0], attachNonce(r.prefix, r.n, last), r.buf[:k], r.aad)
		if err != nil {
			return 0, r.corrupt(fmt.Sprintf("chunk %d fails authentication", r.n))
		}
		r.n++
		r.h.Write(pt)
		r.size += int64(len(pt))
		r.pend = pt
		r.done = last
	}
	n := copy(p, r.pend)
	r.pend = r.pend[n:]
	return n, nil
}

func (r *openReader) Close() error {
	clear(r.buf)
	clear(r.dk)
	return r.closer.Close()
}

// TooLargeError is returned when an attachment passes its size limit.
type TooLargeError struct {
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("outbox: attachment %q is larger than the limit of %d bytes", e.Name, e.Limit)
}

// Is makes a TooLargeError match ErrInvalidInput.
func (e *TooLargeError) Is(t error) bool { return t == ErrInvalidInput }

// BudgetError is returned when storing an attachment would pass the disk
// budget of the outbox's attachments. It matches ErrDiskFull: nothing
// stored is lost, and the caller keeps its file.
type BudgetError struct {
	Budget int64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("outbox: attachments would pass the disk budget of %d bytes", e.Budget)
}

// Is makes a BudgetError match ErrDiskFull.
func (e *BudgetError) Is(t error) bool { return t == ErrDiskFull }
