package clinic

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Ticket is a queue ticket (phiếu số thứ tự): a number per department per
// day. It carries no personal data.
type Ticket struct {
	Number         string    `json:"number"` // the prefix and the day's sequence, e.g. "A012"
	Seq            int       `json:"seq"`
	Day            string    `json:"day"` // YYYY-MM-DD, the gateway's (Vietnam's) local day
	Department     string    `json:"department"`
	DepartmentName string    `json:"department_name"`
	Issued         time.Time `json:"issued"`
}

// TicketBook hands out queue numbers, one sequence per department per day,
// kept in a file so a restart never gives a number twice: the file is
// written (a new file, fsynced, renamed over the old one) before a number
// is returned. It holds counters only, no personal data.
type TicketBook struct {
	path string
	mu   sync.Mutex
	st   ticketState
}

type ticketState struct {
	Day  string         `json:"day"`
	Last map[string]int `json:"last"` // department code → last number given
}

// ErrTicketBook says the ticket file cannot be trusted (unreadable or
// damaged): numbers are not handed out rather than risk giving one twice.
var ErrTicketBook = errors.New("ticket numbers")

// OpenTicketBook opens (creating on first use) the ticket file at path.
// A damaged file is an error, never silently restarted from 1.
func OpenTicketBook(path string) (*TicketBook, error) {
	b := &TicketBook{path: path, st: ticketState{Last: map[string]int{}}}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTicketBook, err)
		}
		return b, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if err := json.Unmarshal(raw, &b.st); err != nil || b.st.Last == nil {
		return nil, fmt.Errorf("%w: %s is damaged (move it aside only after checking today's last numbers): %v", ErrTicketBook, path, err)
	}
	return b, nil
}

// Next takes the department's next number for now's day (numbers start
// again at 1 each day) and makes it durable before returning it.
func (b *TicketBook) Next(d Department, now time.Time) (Ticket, error) {
	if d.Code == "" || d.Prefix == "" {
		return Ticket{}, fmt.Errorf("%w: department without a code or prefix", ErrTicketBook)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	local := now.In(vnZone)
	day := local.Format("2006-01-02")
	next := ticketState{Day: day, Last: map[string]int{}}
	if b.st.Day == day {
		for k, v := range b.st.Last {
			next.Last[k] = v
		}
	}
	next.Last[d.Code]++
	if err := b.save(next); err != nil {
		return Ticket{}, err
	}
	b.st = next
	seq := next.Last[d.Code]
	return Ticket{Number: fmt.Sprintf("%s%03d", d.Prefix, seq), Seq: seq, Day: day, Department: d.Code,
		DepartmentName: d.Name, Issued: now.UTC()}, nil
}

// save writes st to a new file, fsyncs it and renames it over the book.
func (b *TicketBook) save(st ticketState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	tmp := b.path + ".new"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if err := os.Rename(tmp, b.path); err != nil {
		return fmt.Errorf("%w: %v", ErrTicketBook, err)
	}
	if d, err := os.Open(filepath.Dir(b.path)); err == nil { // the rename itself survives a power cut
		d.Sync()
		d.Close()
	}
	return nil
}
