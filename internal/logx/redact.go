package logx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// Redactor wraps a slog.Handler so that no ID number, CAN, name, address or
// image reaches it (see the package documentation for the rules).
type Redactor struct {
	inner     slog.Handler
	scrub     *Scrubber
	sensitive bool // inside a group whose name marks personal data
}

// NewRedactor wraps inner. sc may be nil (no held values).
func NewRedactor(inner slog.Handler, sc *Scrubber) *Redactor {
	return &Redactor{inner: inner, scrub: sc}
}

// Enabled reports whether the inner handler logs at level.
func (h *Redactor) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle redacts the message and every attribute, then passes the record on.
func (h *Redactor) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Text(r.Message, h.scrub), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a, h.sensitive, 0))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs redacts the attributes before the inner handler keeps them.
func (h *Redactor) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.attr(a, h.sensitive, 0)
	}
	return &Redactor{inner: h.inner.WithAttrs(red), scrub: h.scrub, sensitive: h.sensitive}
}

// WithGroup opens a group; a group named like personal data redacts
// everything logged inside it.
func (h *Redactor) WithGroup(name string) slog.Handler {
	return &Redactor{inner: h.inner.WithGroup(name), scrub: h.scrub,
		sensitive: h.sensitive || classify(name) == keySensitive}
}

const maxDepth = 16

func (h *Redactor) attr(a slog.Attr, sensitive bool, depth int) slog.Attr {
	sensitive = sensitive || classify(a.Key) == keySensitive
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		as := v.Group()
		red := make([]slog.Attr, len(as))
		for i, g := range as {
			if depth >= maxDepth {
				red[i] = slog.String(g.Key, Redacted)
				continue
			}
			red[i] = h.attr(g, sensitive, depth+1)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	}
	if sensitive {
		return slog.String(a.Key, Redacted)
	}
	return slog.Attr{Key: a.Key, Value: h.value(v, depth)}
}

func (h *Redactor) value(v slog.Value, depth int) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(Text(v.String(), h.scrub))
	case slog.KindInt64:
		return maskNumber(v, strconv.FormatInt(v.Int64(), 10))
	case slog.KindUint64:
		return maskNumber(v, strconv.FormatUint(v.Uint64(), 10))
	case slog.KindFloat64:
		return maskNumber(v, strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case slog.KindAny:
		return h.anyValue(v.Any(), depth)
	}
	return v // bool, duration, time
}

// maskNumber masks integers of 9 to 12 digits (an ID number may be stored
// as a number, losing its leading zeros).
func maskNumber(v slog.Value, s string) slog.Value {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 9 && digits <= 12 {
		return slog.StringValue(MaskDigits(s))
	}
	return v
}

func (h *Redactor) anyValue(x any, depth int) slog.Value {
	switch t := x.(type) {
	case nil:
		return slog.AnyValue(nil)
	case error:
		return slog.StringValue(Text(t.Error(), h.scrub))
	case []byte:
		return slog.StringValue(fmt.Sprintf("[%d bytes]", len(t)))
	}
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue(Text(fmt.Sprint(x), h.scrub))
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return slog.StringValue(Text(string(b), h.scrub))
	}
	if m, ok := generic.(map[string]any); ok && len(m) == 0 {
		// Only unexported fields: its String form says more.
		if s, ok := x.(fmt.Stringer); ok {
			return slog.StringValue(Text(s.String(), h.scrub))
		}
	}
	return slog.AnyValue(h.json(generic, depth))
}

// json redacts a decoded JSON value: keys classified, strings masked.
func (h *Redactor) json(v any, depth int) any {
	if depth > maxDepth {
		return Redacted
	}
	switch t := v.(type) {
	case string:
		return Text(t, h.scrub)
	case float64:
		s := strconv.FormatFloat(t, 'f', -1, 64)
		if m := maskNumber(slog.Float64Value(t), s); m.Kind() == slog.KindString {
			return m.String()
		}
		return t
	case []any:
		for i := range t {
			t[i] = h.json(t[i], depth+1)
		}
		return t
	case map[string]any:
		for k, e := range t {
			if classify(k) == keySensitive {
				t[k] = Redacted
				continue
			}
			t[k] = h.json(e, depth+1)
		}
		return t
	}
	return v
}
