package catalog

// Procedure is the public information of a procedure, shown on the
// service tile's detail and on the receipt.
type Procedure struct {
	Fees []Fee `toml:"fees"` // empty list with FreeVI set, or one line per fee
	// ProcessingVI/EN say the time limit in words ("5 ngày làm việc");
	// ProcessingDays is the same as a number of working days (0: same day).
	ProcessingVI   string `toml:"processing_vi"`
	ProcessingEN   string `toml:"processing_en"`
	ProcessingDays int    `toml:"processing_days"`
	// Delivery lists how the result reaches the citizen: "desk", "post",
	// "online" (electronic result, VNeID or the national portal).
	Delivery   []string `toml:"delivery"`
	LegalBasis []string `toml:"legal_basis"`
	Note       string   `toml:"note"` // facts not checked here
}

// Fee is one fee or charge (phí, lệ phí).
type Fee struct {
	LabelVI   string `toml:"label_vi"`
	LabelEN   string `toml:"label_en"`
	AmountVND int64  `toml:"amount_vnd"` // 0: free (unless Varies)
	// Varies marks a fee set elsewhere (by province, area or value):
	// AmountVND is then 0 and NoteVI says who sets it.
	Varies bool   `toml:"varies"`
	NoteVI string `toml:"note_vi"` // exemptions, ranges, who sets the amount
}

// Deliveries are the ways a result can be delivered.
var Deliveries = map[string]struct{ VI, EN string }{
	"desk":   {"Nhận tại bộ phận một cửa", "At the desk"},
	"post":   {"Qua dịch vụ bưu chính", "By post"},
	"online": {"Trực tuyến (bản điện tử, VNeID / Cổng DVC quốc gia)", "Online (electronic result, VNeID / national portal)"},
}

// DeliveryWays names the ways the procedure's result comes back, in
// Vietnamese or (en) English, in the catalogue's order.
func (p Procedure) DeliveryWays(en bool) []string {
	var ds []string
	for _, d := range p.Delivery {
		if w, ok := Deliveries[d]; ok {
			if en {
				ds = append(ds, w.EN)
			} else {
				ds = append(ds, w.VI)
			}
		}
	}
	return ds
}

// Owners are the agencies answerable for services (REFERENCE.md section 9).
var Owners = map[string]string{
	"bo_cong_an": "Bộ Công an", "ubnd_xa": "UBND cấp xã", "bhxh": "Bảo hiểm xã hội Việt Nam",
	"thue": "Cơ quan thuế", "giao_duc": "Bộ Giáo dục và Đào tạo", "dien_luc": "Tập đoàn Điện lực Việt Nam",
}

// Code statuses.
const (
	CodeVerified   = "verified"
	CodeReference  = "reference"
	CodeUnverified = "unverified"
	// CodeOperator is the status of a code the operator set in aliases.toml.
	CodeOperator = "operator"
)

// Replacements are the kinds of state-held data that replace a paper.
var Replacements = map[string]string{
	"vneid":           "giấy tờ đã tích hợp trên VNeID",
	"population_db":   "dữ liệu trong Cơ sở dữ liệu quốc gia về dân cư hoặc cơ sở dữ liệu đã kết nối",
	"previous_result": "kết quả của thủ tục trước (cơ quan đã có)",
}

// Free reports whether the procedure costs nothing.
func (p Procedure) Free() bool {
	for _, f := range p.Fees {
		if f.AmountVND > 0 || f.Varies {
			return false
		}
	}
	return true
}

func (s *Service) checkProcedure(bad func(string, string, ...any) *LoadError) *LoadError {
	switch s.CodeStatus {
	case "", CodeVerified, CodeReference, CodeUnverified:
	default:
		return bad("code_status", "code_status %q: use verified, reference or unverified", s.CodeStatus)
	}
	if s.CodeStatus == CodeVerified && s.CodeSource == "" {
		return bad("code_status", "a verified code needs code_source saying where it was checked")
	}
	if s.Owner != "" {
		if _, ok := Owners[s.Owner]; !ok {
			return bad("owner", "owner %q is not one of the known agencies", s.Owner)
		}
	}
	p := s.Procedure
	if s.Essential && (p.ProcessingVI == "" || len(p.Delivery) == 0 || s.Owner == "") {
		return bad("essential", "an essential service needs owner, procedure.processing_vi and procedure.delivery")
	}
	if p.ProcessingDays < 0 {
		return bad("processing_days", "processing_days %d is negative", p.ProcessingDays)
	}
	for _, d := range p.Delivery {
		if _, ok := Deliveries[d]; !ok {
			return bad(`"`+d+`"`, "delivery %q: use desk, post or online", d)
		}
	}
	for _, f := range p.Fees {
		if f.LabelVI == "" || f.AmountVND < 0 {
			return bad("[[procedure.fees]]", "fee %q: needs label_vi and an amount ≥ 0", f.LabelVI)
		}
		if f.Varies && (f.AmountVND != 0 || f.NoteVI == "") {
			return bad(f.LabelVI, "fee %q varies: amount_vnd must be 0 and note_vi must say who sets it", f.LabelVI)
		}
	}
	ids := map[string]bool{}
	for _, a := range s.Attachments {
		at := `id = "` + a.ID + `"`
		if a.ID == "" || ids[a.ID] {
			return bad(at, "attachment id %q empty or repeated", a.ID)
		}
		ids[a.ID] = true
		if a.LabelVI == "" {
			return bad(at, "attachment %q has no Vietnamese label", a.ID)
		}
		if a.ReplacedBy == "" {
			if a.ReasonVI != "" {
				return bad(at, "attachment %q has a reason but no replaced_by", a.ID)
			}
			continue
		}
		if _, ok := Replacements[a.ReplacedBy]; !ok {
			return bad(at, "attachment %q: replaced_by %q: use vneid, population_db or previous_result", a.ID, a.ReplacedBy)
		}
		if a.Required {
			// Chỉ thị 24/CT-TTg: a paper the state holds is never asked for.
			return bad(at, "attachment %q is replaced by %s and so cannot be required", a.ID, a.ReplacedBy)
		}
		if a.ReasonVI == "" {
			return bad(at, "attachment %q is replaced by %s but says no reason_vi to show", a.ID, a.ReplacedBy)
		}
	}
	return nil
}

// AttachmentsToAsk lists the attachments the kiosk may ask for: those the
// state does not already hold.
func (s *Service) AttachmentsToAsk() []Attachment {
	var out []Attachment
	for _, a := range s.Attachments {
		if !a.Replaced() {
			out = append(out, a)
		}
	}
	return out
}

// AttachmentsNotAsked lists the attachments replaced by data the state
// holds, each with its reason, to say why they are not asked for.
func (s *Service) AttachmentsNotAsked() []Attachment {
	var out []Attachment
	for _, a := range s.Attachments {
		if a.Replaced() {
			out = append(out, a)
		}
	}
	return out
}

// CodeVerified reports whether the file's code was checked against the
// national procedure database.
func (s *Service) CodeVerified() bool { return s.CodeStatus == CodeVerified }

// SubmitCode is the procedure code to send to the provincial system (MaTTHC):
// the operator's alias when there is one, else the file's code.
func (s *Service) SubmitCode() string {
	if s.alias != "" {
		return s.alias
	}
	return s.Code
}
