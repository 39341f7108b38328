package simtenant

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// PDF page layout: landscape US Letter, 7 pt Courier, so that a table is
// columns of fixed-width text.
const (
	pdfWidth, pdfHeight = 792, 612
	pdfMargin           = 36
	pdfFontSize         = 7
	pdfLeading          = 9
	pdfLineChars        = (pdfWidth - 2*pdfMargin) * 10 / (pdfFontSize * 6) // Courier glyphs are 0.6 em wide
	pdfLinesPerPage     = (pdfHeight-2*pdfMargin)/pdfLeading - 4            // less title, blank, header, rule
	pdfMaxColumn        = 32                                                // widest a column gets, in characters
)

// writePDF writes t as a minimal PDF 1.4 document: one object per page and
// per page content, the standard Courier font, and a cross-reference table.
// Each page repeats the title and the header row.
func writePDF(w io.Writer, title string, t reportTable) error {
	header, rows := pdfTextTable(t)
	var pages [][]string
	for len(rows) > pdfLinesPerPage {
		pages, rows = append(pages, rows[:pdfLinesPerPage]), rows[pdfLinesPerPage:]
	}
	pages = append(pages, rows) // always at least one page

	p := &pdfWriter{w: bufio.NewWriter(w)}
	p.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	p.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.object(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	p.object(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
	for i, lines := range pages {
		p.object(4+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pdfWidth, pdfHeight, 5+2*i))
		heading := fmt.Sprintf("%s - page %d of %d", title, i+1, len(pages))
		p.stream(5+2*i, pdfPageContent(append([]string{heading, "", header, strings.Repeat("-", len(header))}, lines...)))
	}
	p.trailer()
	return p.flush()
}

// pdfTextTable lays the table out as fixed-width lines.
func pdfTextTable(t reportTable) (string, []string) {
	widths := make([]int, len(t.columns))
	for i, c := range t.columns {
		widths[i] = len(c)
	}
	for _, row := range t.rows {
		for i, cell := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], len(cell))
			}
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, w := range widths {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			w = min(w, pdfMaxColumn)
			if len(cell) > w {
				cell = cell[:w-1] + "~"
			}
			fmt.Fprintf(&b, "%-*s  ", w, cell)
		}
		s := strings.TrimRight(b.String(), " ")
		if len(s) > pdfLineChars {
			s = s[:pdfLineChars]
		}
		return s
	}
	rows := make([]string, len(t.rows))
	for i, r := range t.rows {
		rows[i] = line(r)
	}
	return line(t.columns), rows
}

// pdfPageContent is the content stream drawing lines top down.
func pdfPageContent(lines []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "BT\n/F1 %d Tf\n%d TL\n%d %d Td\n", pdfFontSize, pdfLeading, pdfMargin, pdfHeight-pdfMargin-pdfFontSize)
	for i, l := range lines {
		if i > 0 {
			b.WriteString("T*\n")
		}
		b.WriteString(pdfString(l))
		b.WriteString(" Tj\n")
	}
	b.WriteString("ET\n")
	return b.String()
}

// pdfString is a PDF literal string of s: parentheses and backslashes
// escaped, anything outside printable ASCII shown as '?'.
func pdfString(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// pdfWriter writes numbered objects and remembers their byte offsets for
// the cross-reference table. Objects must be written in number order,
// starting at 1. The first write error sticks.
type pdfWriter struct {
	w       *bufio.Writer
	n       int64
	offsets []int64
	err     error
}

func (p *pdfWriter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	n, err := fmt.Fprintf(p.w, format, args...)
	p.n += int64(n)
	p.err = err
}

func (p *pdfWriter) object(num int, body string) {
	p.offsets = append(p.offsets, p.n)
	p.printf("%d 0 obj\n%s\nendobj\n", num, body)
}

func (p *pdfWriter) stream(num int, content string) {
	p.object(num, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
}

func (p *pdfWriter) trailer() {
	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1)
	for _, off := range p.offsets {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets)+1, xref)
}

func (p *pdfWriter) flush() error {
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}
