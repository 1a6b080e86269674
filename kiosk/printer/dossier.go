package printer

import (
	"strings"
	"time"

	"motcua/kiosk/catalog"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// DeliveryUnknown is printed when the catalogue does not say how the
// result comes back.
const DeliveryUnknown = "Theo thông báo của cơ quan"

// ReceiptFor is the slip of a stored dossier, the one the app prints on
// its receipt screen and `motcua receipt print` prints again at the desk:
// the receipt number, the procedure's name, filing date, expected result
// date and delivery from the catalogue (svc nil: the code alone), the
// official code and the provincial status once known, and the QR with the
// caption that says what it is. No personal data: a record's metadata and
// the catalogue hold none.
func ReceiptFor(rec outbox.Record, svc *catalog.Service, q receipt.QR, office string) Receipt {
	s := Receipt{Office: office, Number: receipt.Number(rec.UUID), Service: rec.Service, Filed: rec.CreatedAt.Local(),
		Delivery: DeliveryUnknown, QR: q.Content, OfficialCode: rec.OfficialCode, QRLabel: q.LabelVI}
	if svc != nil {
		s.Service = svc.NameVI
		s.Due = ExpectedResult(svc, rec.CreatedAt)
		if d := svc.Procedure.DeliveryWays(false); len(d) > 0 {
			s.Delivery = strings.Join(d, "; ")
		}
	}
	if st, ok := outbox.LookupStatus(rec.ProvincialStatus); ok && rec.State == outbox.Accepted {
		s.Status = st.VI
	}
	return s
}

// ExpectedResult is the date the result is expected, counted in working
// days from filed; zero when the catalogue gives no time limit.
func ExpectedResult(svc *catalog.Service, filed time.Time) time.Time {
	if svc == nil || svc.Procedure.ProcessingVI == "" || filed.IsZero() {
		return time.Time{}
	}
	return receipt.ExpectedResult(filed.Local(), svc.Procedure.ProcessingDays)
}
