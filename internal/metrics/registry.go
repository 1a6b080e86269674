// Package metrics exposes the agent's Prometheus metrics in the text
// exposition format (version 0.0.4, written here: the agent needs a handful
// of counters and gauges, not a client library) and its health checks.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Registry holds metric families and writes them in the text format.
type Registry struct {
	mu       sync.Mutex
	families []*family
	names    map[string]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

type family struct {
	name, help, typ string
	labels          []string
	mu              sync.Mutex
	series          map[string]*series // key: joined label values
	collect         func() []sample    // gauge funcs
}

type series struct {
	values []string
	bits   uint64 // math.Float64bits, updated atomically under family.mu
}

type sample struct {
	values []string
	v      float64
}

func (r *Registry) add(f *family) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[f.name] {
		panic("metrics: registered twice: " + f.name)
	}
	if !validName(f.name) {
		panic("metrics: invalid name: " + f.name)
	}
	for _, l := range f.labels {
		if !validName(l) || strings.HasPrefix(l, "__") {
			panic("metrics: invalid label: " + l)
		}
	}
	r.names[f.name] = true
	f.series = map[string]*series{}
	r.families = append(r.families, f)
	return f
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Counter is a monotonically increasing value.
type Counter struct {
	f *family
	s *series
}

// Inc adds 1.
func (c Counter) Inc() { c.Add(1) }

// Add adds v (negative values are ignored: counters only go up).
func (c Counter) Add(v float64) {
	if v < 0 || math.IsNaN(v) {
		return
	}
	c.f.mu.Lock()
	c.s.bits = math.Float64bits(math.Float64frombits(c.s.bits) + v)
	c.f.mu.Unlock()
}

// Value returns the current value.
func (c Counter) Value() float64 {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	return math.Float64frombits(c.s.bits)
}

// Gauge is a value that goes up and down.
type Gauge struct {
	f *family
	s *series
}

// Set sets the value.
func (g Gauge) Set(v float64) {
	g.f.mu.Lock()
	g.s.bits = math.Float64bits(v)
	g.f.mu.Unlock()
}

// Value returns the current value.
func (g Gauge) Value() float64 {
	g.f.mu.Lock()
	defer g.f.mu.Unlock()
	return math.Float64frombits(g.s.bits)
}

// Vec is a family with labels; With picks one series.
type Vec struct{ f *family }

func (f *family) with(values []string) *series {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", f.name, len(f.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.series[key]
	if !ok {
		s = &series{values: append([]string(nil), values...)}
		f.series[key] = s
	}
	return s
}

// Counter returns the counter for the label values (in label order).
func (v Vec) Counter(values ...string) Counter { return Counter{v.f, v.f.with(values)} }

// Gauge returns the gauge for the label values (in label order).
func (v Vec) Gauge(values ...string) Gauge { return Gauge{v.f, v.f.with(values)} }

// NewCounter registers a counter without labels.
func (r *Registry) NewCounter(name, help string) Counter {
	f := r.add(&family{name: name, help: help, typ: "counter"})
	return Counter{f, f.with(nil)}
}

// NewCounterVec registers a counter with labels.
func (r *Registry) NewCounterVec(name, help string, labels ...string) Vec {
	return Vec{r.add(&family{name: name, help: help, typ: "counter", labels: labels})}
}

// NewGauge registers a gauge without labels.
func (r *Registry) NewGauge(name, help string) Gauge {
	f := r.add(&family{name: name, help: help, typ: "gauge"})
	return Gauge{f, f.with(nil)}
}

// NewGaugeVec registers a gauge with labels.
func (r *Registry) NewGaugeVec(name, help string, labels ...string) Vec {
	return Vec{r.add(&family{name: name, help: help, typ: "gauge", labels: labels})}
}

// NewGaugeFunc registers a gauge whose value fn computes at each scrape.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.add(&family{name: name, help: help, typ: "gauge", collect: func() []sample {
		return []sample{{v: fn()}}
	}})
}

// NewGaugeVecFunc registers a labelled gauge whose series fn computes at
// each scrape (map key: the value of the single label).
func (r *Registry) NewGaugeVecFunc(name, help, label string, fn func() map[string]float64) {
	r.add(&family{name: name, help: help, typ: "gauge", labels: []string{label}, collect: func() []sample {
		m := fn()
		out := make([]sample, 0, len(m))
		for k, v := range m {
			out = append(out, sample{values: []string{k}, v: v})
		}
		return out
	}})
}

// ContentType is the text exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteTo writes every family, sorted by name, series sorted by labels.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	fams := append([]*family(nil), r.families...)
	r.mu.Unlock()
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	cw := &countWriter{w: bufio.NewWriter(w)}
	for _, f := range fams {
		var samples []sample
		if f.collect != nil {
			samples = f.collect()
		} else {
			f.mu.Lock()
			for _, s := range f.series {
				samples = append(samples, sample{values: s.values, v: math.Float64frombits(s.bits)})
			}
			f.mu.Unlock()
		}
		sort.Slice(samples, func(i, j int) bool {
			return strings.Join(samples[i].values, "\xff") < strings.Join(samples[j].values, "\xff")
		})
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, f.typ)
		for _, s := range samples {
			cw.WriteString(f.name)
			if len(f.labels) > 0 {
				cw.WriteString("{")
				for i, l := range f.labels {
					if i > 0 {
						cw.WriteString(",")
					}
					fmt.Fprintf(cw, "%s=\"%s\"", l, escapeLabel(s.values[i]))
				}
				cw.WriteString("}")
			}
			cw.WriteString(" " + formatFloat(s.v) + "\n")
		}
	}
	if err := cw.w.Flush(); err != nil && cw.err == nil {
		cw.err = err
	}
	return cw.n, cw.err
}

// Handler serves the registry at a scrape endpoint.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		r.WriteTo(w)
	})
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countWriter) WriteString(s string) { c.Write([]byte(s)) }
