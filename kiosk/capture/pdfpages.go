package capture

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// ErrPageCountUnknown is returned by PDFPages when a PDF's page tree
// cannot be found or read (encrypted object streams, a filter other than
// Flate, a damaged file). The PDF may still be a good one: the caller
// attaches it and lists its page count as unknown (0).
var ErrPageCountUnknown = errors.New("capture: the PDF's page count cannot be read")

// Bounds on what PDFPages reads, so a hostile file costs little: object
// streams inflate to at most maxObjStmBytes each and maxInflateTotal in
// all, and the page tree is walked to at most maxPageTreeNodes nodes.
const (
	maxObjStmBytes   = 8 << 20
	maxInflateTotal  = 64 << 20
	maxPageTreeNodes = 100_000
	maxPDFPages      = 50_000
)

var objHeader = regexp.MustCompile(`(\d{1,10})\s+(\d{1,5})\s+obj\b`)

// PDFPages counts the pages of a PDF file the way a PDF reader finds them:
// the trailer's /Root names the catalog, the catalog's /Pages the root of
// the page tree, whose leaves (/Type /Page) are the pages. Objects kept in
// compressed object streams (PDF 1.5) are read, and where a file was
// updated incrementally the last definition of an object wins. A tree
// that cannot be walked falls back to the root's /Count.
//
// Caveat: it reads the file's objects by scanning for "N G obj", not
// through the cross-reference table; a damaged table does not matter,
// and a deleted page object that a later update only marked free in
// the table is not counted because nothing in the page tree refers to it.
func PDFPages(b []byte) (int, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return 0, fmt.Errorf("%w: not a PDF", ErrPageCountUnknown)
	}
	objs, xrefRoot := pdfObjects(b)
	root, ok := trailerRoot(b, objs, xrefRoot)
	if !ok {
		for _, o := range objs { // no trailer: any catalog
			if o.dict != nil && o.dict.name("Type") == "Catalog" {
				root, ok = o.dict, true
				break
			}
		}
	}
	if !ok {
		return 0, fmt.Errorf("%w: no document catalog", ErrPageCountUnknown)
	}
	pagesRef, ok := root["Pages"]
	if !ok || pagesRef.kind != pdfRef {
		return 0, fmt.Errorf("%w: the catalog names no page tree", ErrPageCountUnknown)
	}
	tree := objs[pagesRef.ref]
	if tree == nil || tree.dict == nil {
		return 0, fmt.Errorf("%w: page tree object %d missing", ErrPageCountUnknown, pagesRef.ref)
	}
	seen := map[int]bool{}
	n, err := countPages(objs, pagesRef.ref, seen, 0)
	if err != nil {
		if c, ok := tree.dict["Count"]; ok && c.kind == pdfNum && c.num >= 0 && c.num <= maxPDFPages {
			return int(c.num), nil
		}
		return 0, err
	}
	return n, nil
}

func countPages(objs map[int]*pdfObject, ref int, seen map[int]bool, depth int) (int, error) {
	if seen[ref] || len(seen) >= maxPageTreeNodes || depth > 64 {
		return 0, fmt.Errorf("%w: the page tree loops or is too large", ErrPageCountUnknown)
	}
	seen[ref] = true
	o := objs[ref]
	if o == nil || o.dict == nil {
		return 0, fmt.Errorf("%w: page tree object %d missing", ErrPageCountUnknown, ref)
	}
	switch o.dict.name("Type") {
	case "Page":
		return 1, nil
	case "Pages":
	default:
		return 0, fmt.Errorf("%w: object %d in the page tree is not a page", ErrPageCountUnknown, ref)
	}
	kids, ok := o.dict["Kids"]
	if ok && kids.kind == pdfRef { // /Kids given indirectly
		if k := objs[kids.ref]; k != nil && k.value.kind == pdfArray {
			kids = k.value
		}
	}
	if !ok || kids.kind != pdfArray {
		return 0, fmt.Errorf("%w: page tree node %d has no kids", ErrPageCountUnknown, ref)
	}
	total := 0
	for _, k := range kids.arr {
		if k.kind != pdfRef {
			return 0, fmt.Errorf("%w: page tree node %d has a kid that is not a reference", ErrPageCountUnknown, ref)
		}
		n, err := countPages(objs, k.ref, seen, depth+1)
		if err != nil {
			return 0, err
		}
		total += n
		if total > maxPDFPages {
			return 0, fmt.Errorf("%w: more than %d pages", ErrPageCountUnknown, maxPDFPages)
		}
	}
	return total, nil
}

// pdfObject is one indirect object as last defined in the file.
type pdfObject struct {
	value pdfValue
	dict  pdfDict // value.dict when the object is a dictionary
	data  []byte  // the stream's raw bytes, if any
}

// pdfObjects reads every "N G obj ... endobj" of the file in order, and
// the objects inside Flate-compressed object streams; a later definition
// of a number replaces an earlier one (incremental updates). xrefRoot is
// the /Root of the last cross-reference stream (PDF 1.5, where the
// trailer's keys live), -1 when there is none.
func pdfObjects(b []byte) (objs map[int]*pdfObject, xrefRoot int) {
	objs, xrefRoot = map[int]*pdfObject{}, -1
	inflated := 0
	for pos := 0; pos < len(b); {
		loc := objHeader.FindSubmatchIndex(b[pos:])
		if loc == nil {
			break
		}
		num, _ := strconv.Atoi(string(b[pos+loc[2] : pos+loc[3]]))
		start := pos + loc[1]
		lx := &pdfLexer{b: b, pos: start}
		v, err := lx.value(0)
		if err != nil {
			pos = start
			continue
		}
		o := &pdfObject{value: v, dict: v.dict}
		end := lx.pos
		if v.kind == pdfDictKind {
			if data, after, ok := streamData(b, lx.pos, v.dict); ok {
				o.data, end = data, after
			}
		}
		objs[num] = o
		if r, ok := o.dict["Root"]; ok && r.kind == pdfRef && o.dict.name("Type") == "XRef" {
			xrefRoot = r.ref
		}
		if o.data != nil && v.dict.name("Type") == "ObjStm" {
			for n, m := range objectStream(o, &inflated) {
				objs[n] = m
			}
		}
		pos = end
	}
	return objs, xrefRoot
}

// streamData returns the bytes of the stream that follows a dictionary
// ending at pos, and where the scan goes on after it.
func streamData(b []byte, pos int, d pdfDict) ([]byte, int, bool) {
	i := pos
	for i < len(b) && isPDFSpace(b[i]) {
		i++
	}
	if !bytes.HasPrefix(b[i:], []byte("stream")) {
		return nil, pos, false
	}
	i += len("stream")
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		i++
	}
	if l, ok := d["Length"]; ok && l.kind == pdfNum && l.num >= 0 && int64(i)+l.num <= int64(len(b)) {
		end := i + int(l.num)
		if j := bytes.Index(b[end:min(len(b), end+32)], []byte("endstream")); j >= 0 {
			return b[i:end], end + j + len("endstream"), true
		}
	}
	j := bytes.Index(b[i:], []byte("endstream")) // indirect or wrong /Length
	if j < 0 {
		return nil, pos, false
	}
	return bytes.TrimRight(b[i:i+j], "\r\n"), i + j + len("endstream"), true
}

// objectStream reads the objects of a Flate-compressed object stream.
func objectStream(o *pdfObject, inflated *int) map[int]*pdfObject {
	f := o.dict["Filter"]
	if f.kind == pdfArray && len(f.arr) == 1 {
		f = f.arr[0]
	}
	if f.kind != pdfName || f.name != "FlateDecode" {
		return nil // encrypted or another filter: not read
	}
	if p, ok := o.dict["DecodeParms"]; ok && p.kind == pdfDictKind {
		if pr, ok := p.dict["Predictor"]; ok && pr.num > 1 {
			return nil
		}
	}
	n, first := o.dict["N"], o.dict["First"]
	if n.kind != pdfNum || first.kind != pdfNum || n.num < 0 || n.num > maxPageTreeNodes || first.num < 0 {
		return nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(o.data))
	if err != nil {
		return nil
	}
	limit := min(maxObjStmBytes, maxInflateTotal-*inflated)
	if limit <= 0 {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) || len(data) > limit {
		return nil
	}
	*inflated += len(data)
	lx := &pdfLexer{b: data}
	type entry struct{ num, off int }
	entries := make([]entry, 0, n.num)
	for range n.num {
		a, err1 := lx.value(0)
		b, err2 := lx.value(0)
		if err1 != nil || err2 != nil || a.kind != pdfNum || b.kind != pdfNum {
			return nil
		}
		entries = append(entries, entry{int(a.num), int(b.num)})
	}
	out := make(map[int]*pdfObject, len(entries))
	for _, e := range entries {
		at := int(first.num) + e.off
		if e.off < 0 || at >= len(data) {
			continue
		}
		v, err := (&pdfLexer{b: data, pos: at}).value(0)
		if err != nil {
			continue
		}
		out[e.num] = &pdfObject{value: v, dict: v.dict}
	}
	return out
}

// trailerRoot finds the catalog the last trailer names, or else the last
// cross-reference stream (xrefRoot, from pdfObjects).
func trailerRoot(b []byte, objs map[int]*pdfObject, xrefRoot int) (pdfDict, bool) {
	var rootRef int
	found := false
	if i := bytes.LastIndex(b, []byte("trailer")); i >= 0 {
		if v, err := (&pdfLexer{b: b, pos: i + len("trailer")}).value(0); err == nil && v.kind == pdfDictKind {
			if r, ok := v.dict["Root"]; ok && r.kind == pdfRef {
				rootRef, found = r.ref, true
			}
		}
	}
	if !found && xrefRoot >= 0 { // cross-reference streams (PDF 1.5) carry the trailer's keys
		rootRef, found = xrefRoot, true
	}
	if !found {
		return nil, false
	}
	o := objs[rootRef]
	if o == nil || o.dict == nil {
		return nil, false
	}
	return o.dict, true
}

// The value kinds PDFPages tells apart.
const (
	pdfOther = iota
	pdfNum
	pdfName
	pdfRef
	pdfArray
	pdfDictKind
)

type pdfDict map[string]pdfValue

func (d pdfDict) name(key string) string {
	if v, ok := d[key]; ok && v.kind == pdfName {
		return v.name
	}
	return ""
}

type pdfValue struct {
	kind int
	num  int64
	name string
	ref  int
	arr  []pdfValue
	dict pdfDict
}

// pdfLexer reads PDF values (ISO 32000-1 §7.3) far enough to walk the
// page tree: numbers, names, references, arrays and dictionaries; strings
// and other values are skipped over.
type pdfLexer struct {
	b   []byte
	pos int
}

var errPDFSyntax = errors.New("pdf syntax")

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isPDFSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

func (l *pdfLexer) word() []byte {
	s := l.pos
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	return l.b[s:l.pos]
}

// value reads one value; an integer followed by "G R" is a reference.
func (l *pdfLexer) value(depth int) (pdfValue, error) {
	if depth > 32 {
		return pdfValue{}, errPDFSyntax
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return pdfValue{}, errPDFSyntax
	}
	switch c := l.b[l.pos]; {
	case c == '/':
		l.pos++
		return pdfValue{kind: pdfName, name: string(l.word())}, nil
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		d := pdfDict{}
		for {
			l.skipSpace()
			if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
				l.pos += 2
				return pdfValue{kind: pdfDictKind, dict: d}, nil
			}
			k, err := l.value(depth + 1)
			if err != nil || k.kind != pdfName {
				return pdfValue{}, errPDFSyntax
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			d[k.name] = v
		}
	case c == '<':
		end := bytes.IndexByte(l.b[l.pos:], '>')
		if end < 0 {
			return pdfValue{}, errPDFSyntax
		}
		l.pos += end + 1
		return pdfValue{}, nil
	case c == '(':
		return pdfValue{}, l.skipString()
	case c == '[':
		l.pos++
		var arr []pdfValue
		for {
			l.skipSpace()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				return pdfValue{kind: pdfArray, arr: arr}, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return pdfValue{}, err
			}
			arr = append(arr, v)
		}
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		w := l.word()
		n, err := strconv.ParseInt(string(w), 10, 64)
		if err != nil {
			return pdfValue{}, nil // a real number: not needed here
		}
		save := l.pos
		l.skipSpace()
		g := l.word()
		l.skipSpace()
		if len(g) > 0 && l.pos < len(l.b) && l.b[l.pos] == 'R' && (l.pos+1 == len(l.b) || isPDFSpace(l.b[l.pos+1]) || isPDFDelim(l.b[l.pos+1])) {
			if _, err := strconv.Atoi(string(g)); err == nil && n >= 0 && n <= 1<<31 {
				l.pos++
				return pdfValue{kind: pdfRef, ref: int(n)}, nil
			}
		}
		l.pos = save
		return pdfValue{kind: pdfNum, num: n}, nil
	default:
		if w := l.word(); len(w) > 0 {
			return pdfValue{}, nil // true, false, null, a keyword
		}
		return pdfValue{}, errPDFSyntax
	}
}

// skipString skips a literal string: balanced parentheses, backslash
// escapes.
func (l *pdfLexer) skipString() error {
	depth := 0
	for ; l.pos < len(l.b); l.pos++ {
		switch l.b[l.pos] {
		case '\\':
			l.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				l.pos++
				return nil
			}
		}
	}
	return errPDFSyntax
}
