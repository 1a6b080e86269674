package voice

import (
	"fmt"
	"sort"
)

// Message is one thing the kiosk says. The caller passes a Message, never
// text: every sentence is fixed here, so nothing read from a card (name,
// ID number, address) can ever be spoken aloud in a public hall.
type Message int

// The steps of a kiosk visit, its errors and the idle prompt.
const (
	PlaceCard     Message = iota + 1 // step 1: place the card
	Reading                          // the chip is being read
	ThisIsYou                        // the card's data is shown
	ChooseService                    // pick a service
	CheckAgree                       // check the form and agree
	Receipt                          // the receipt is shown / printed
	QueueTicket                      // a clinic queue ticket is printed
	WrongKey                         // the card refused the access key (CAN/MRZ)
	CardRemoved                      // the card left the reader mid-read
	ForgedCard                       // the card failed authentication: see an officer
	PrinterFailed                    // the slip could not be printed
	HelpCalled                       // an officer has been called
	StillThere                       // idle prompt before the wipe
	ScanQR                           // the card needs its key: scan the QR or type the digits
	ReadFailed                       // the chip could not be read
	FillForm                         // the form: fill in what the card did not
	// Over the office link (issue 19): what became of a call for help.
	HelpNoDesk // no desk could be reached: go to the counter
	HelpComing // a desk answered: an officer is coming
	lastMessage
)

type entry struct {
	name string // stable ID for configuration and the CLI
	text string // what is spoken: short, plain, no personal data
	// budget is the longest the spoken sentence may last: a step's
	// sentence must end before the citizen has moved on.
	budgetSec float64
}

var table = map[Message]entry{
	PlaceCard:     {"place_card", "Mời bạn đặt thẻ căn cước lên đầu đọc thẻ.", 5},
	Reading:       {"reading", "Đang đọc thẻ, xin vui lòng chờ.", 4},
	ThisIsYou:     {"this_is_you", "Đây là thông tin của bạn. Xin kiểm tra lại.", 5},
	ChooseService: {"choose_service", "Mời bạn chọn thủ tục cần làm.", 4},
	CheckAgree:    {"check_agree", "Xin kiểm tra thông tin, rồi bấm Đồng ý.", 5},
	Receipt:       {"receipt", "Đây là giấy biên nhận của bạn. Xin nhận phiếu in.", 5},
	QueueTicket:   {"queue_ticket", "Xin nhận phiếu số thứ tự, và chờ gọi số.", 5},
	WrongKey:      {"wrong_key", "Chưa mở được thẻ. Xin kiểm tra lại mã, rồi thử lại.", 6},
	CardRemoved:   {"card_removed", "Thẻ đã bị rút ra. Xin đặt lại thẻ lên đầu đọc.", 5},
	ForgedCard:    {"forged_card", "Không xác thực được thẻ. Xin mời bạn gặp cán bộ để được hỗ trợ.", 6},
	PrinterFailed: {"printer_failed", "Máy in đang gặp sự cố. Xin mời bạn gặp cán bộ.", 5},
	HelpCalled:    {"help_called", "Đã gọi cán bộ. Xin chờ trong giây lát.", 4},
	StillThere:    {"still_there", "Bạn còn ở đó không?", 3},
	ScanQR:        {"scan_qr", "Xin đưa mã QR trên thẻ vào máy quét, hoặc nhập sáu số cuối.", 6},
	ReadFailed:    {"read_failed", "Chưa đọc được thẻ. Xin rút thẻ ra, rồi đặt lại.", 5},
	FillForm:      {"fill_form", "Xin điền những ô còn trống, rồi bấm Tiếp tục.", 5},
	HelpNoDesk:    {"help_no_desk", "Chưa gọi được cán bộ. Xin mời bạn đến quầy tiếp nhận.", 5},
	HelpComing:    {"help_coming", "Cán bộ đang đến. Xin chờ tại đây.", 4},
}

// Messages lists every message, in step order.
func Messages() []Message {
	out := make([]Message, 0, len(table))
	for m := range table {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Valid reports whether m is a known message.
func (m Message) Valid() bool { _, ok := table[m]; return ok }

// Text is the sentence spoken for m ("" for an unknown message).
func (m Message) Text() string { return table[m].text }

// Budget is the longest m may last when spoken, in seconds.
func (m Message) Budget() float64 { return table[m].budgetSec }

// String is m's stable ID, e.g. "place_card".
func (m Message) String() string {
	if e, ok := table[m]; ok {
		return e.name
	}
	return fmt.Sprintf("message(%d)", int(m))
}

// Parse finds a message by its ID.
func Parse(name string) (Message, error) {
	for m, e := range table {
		if e.name == name {
			return m, nil
		}
	}
	return 0, fmt.Errorf("voice: no message %q", name)
}
