package vnkey

import "testing"

func TestTelex(t *testing.T) {
	tests := []struct{ keys, want string }{
		{"Vieetj", "Việt"},
		{"Nam", "Nam"},
		{"Nguyeenx", "Nguyễn"},
		{"Thuwr", "Thử"},
		{"ddaau", "đâu"},
		{"DDaau", "Đâu"},
		{"nuwowcs", "nước"},
		{"truwowngf", "trường"},
		{"hoaf", "hòa"},
		{"thuyr", "thủy"},
		{"quys", "quý"},
		{"gias", "giá"},
		{"khoong", "không"},
		{"caan", "cân"},
		{"ddaays", "đấy"},
		{"mej", "mẹ"},
		{"tooi", "tôi"},
		{"ngoaif", "ngoài"},
		{"aw", "ă"},
		{"w", "ư"},
		{"ass", "as"}, // tone twice: undo and type the key
		{"aaa", "aa"}, // circumflex undo
		{"asz", "a"},  // z removes the tone
		{"Hoangf", "Hoàng"},
		{"Trinhj", "Trịnh"},
	}
	for _, tt := range tests {
		if got := Compose(Telex, tt.keys); got != tt.want {
			t.Errorf("Telex %q = %q, want %q", tt.keys, got, tt.want)
		}
	}
}

func TestVNI(t *testing.T) {
	tests := []struct{ keys, want string }{
		{"Vie6t5", "Việt"},
		{"Nguye6n4", "Nguyễn"},
		{"d9a6u", "đâu"},
		{"nu7o7c1", "nước"},
		{"Thu73", "Thử"},
		{"a8", "ă"},
		{"a10", "a"},
	}
	for _, tt := range tests {
		if got := Compose(VNI, tt.keys); got != tt.want {
			t.Errorf("VNI %q = %q, want %q", tt.keys, got, tt.want)
		}
	}
}

func TestEditor(t *testing.T) {
	var e Editor
	for _, r := range "Nguyeenx Vawn Thuwr" {
		e.Type(r)
	}
	if got := e.Text(); got != "Nguyễn Văn Thử" {
		t.Fatalf("Text = %q", got)
	}
	e.Backspace() // drops the r: Thư
	if got := e.Text(); got != "Nguyễn Văn Thư" {
		t.Fatalf("after backspace = %q", got)
	}
	e = Editor{Method: VNI}
	for _, r := range "Ha2 No65i, 0912" {
		e.Type(r)
	}
	if got := e.Text(); got != "Hà Nội, 0912" {
		t.Fatalf("VNI Text = %q", got)
	}
}
