package readers

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// csvScanner splits an RFC 4180 stream into records. It works line by line
// (bufio's ReadSlice, no length limit) and copies field bytes into one
// buffer per record, so a record costs one string and one slice however
// many fields it has.
type csvScanner struct {
	lr    *lineReader
	delim []byte

	buf  []byte // the current record's field values, back to back
	ends []int  // end offset in buf of each field

	// starts holds where each field begins, for the header only (want < 0),
	// so header errors can point at the offending name.
	starts []csvProblem
}

// csvProblem is a malformed record found by scan: where and why.
type csvProblem struct {
	line, col int
	err       error
}

// scanResult describes one scanned record.
type scanResult struct {
	line    int         // line the record starts on
	problem *csvProblem // non-nil when the record is malformed
}

func newCSVScanner(lr *lineReader, delim rune) *csvScanner {
	return &csvScanner{lr: lr, delim: utf8.AppendRune(nil, delim)}
}

// fields returns the scanned record's values as strings sharing one
// allocation.
func (s *csvScanner) fields() []string {
	all := string(s.buf)
	out := make([]string, len(s.ends))
	start := 0
	for i, end := range s.ends {
		out[i] = all[start:end]
		start = end
	}
	return out
}

// record returns the scanned record as fields named by header: two
// allocations however wide the record. A record with more fields than
// header has names yields only the named ones.
func (s *csvScanner) record(header []string) []Field {
	all := string(s.buf)
	out := make([]Field, min(len(s.ends), len(header)))
	start := 0
	for i, end := range s.ends[:len(out)] {
		out[i] = Field{Name: header[i], Value: all[start:end]}
		start = end
	}
	return out
}

// scan reads the next record, skipping blank lines. want is the expected
// number of fields (-1: any). A malformed record is reported in the result
// and scanning resumes on the next line; the returned error is io.EOF, a
// read error, or a *RowError for a quote left open at end of input.
func (s *csvScanner) scan(want int) (scanResult, error) {
	if cap(s.buf) > maxKeep {
		s.buf = nil // one huge record must not pin its buffer for the whole stream
	}
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	var line []byte
	for {
		l, err := s.lr.next()
		if err != nil {
			return scanResult{}, err
		}
		if contentEnd(l) > 0 {
			line = l
			break
		}
	}
	res := scanResult{line: s.lr.line}
	var extra *csvProblem // where the first field beyond want starts
	pos := 0
	s.starts = s.starts[:0]
	colLine, colPos, col := res.line, 0, 1 // incremental column count for starts
	for {
		if want < 0 {
			if s.lr.line != colLine { // a quoted name spanned lines
				colLine, colPos, col = s.lr.line, 0, 1
			}
			col += utf8.RuneCount(line[colPos:pos])
			colPos = pos
			s.starts = append(s.starts, csvProblem{line: s.lr.line, col: col})
		}
		if len(s.ends) == want && extra == nil {
			extra = &csvProblem{line: s.lr.line, col: runeCol(line, pos)}
		}
		if pos < len(line) && line[pos] == '"' {
			var err error
			if line, pos, err = s.quoted(line, pos, res.line); err != nil {
				return res, err
			}
			rest := line[pos:]
			if bytes.HasPrefix(rest, s.delim) {
				pos += len(s.delim)
				continue
			}
			if pos == contentEnd(line) {
				break
			}
			res.problem = &csvProblem{s.lr.line, runeCol(line, pos), ErrQuote}
			return res, nil
		}
		end := contentEnd(line)
		seg := line[pos:end]
		if i := bytes.Index(seg, s.delim); i >= 0 {
			seg = seg[:i]
		}
		if q := bytes.IndexByte(seg, '"'); q >= 0 {
			res.problem = &csvProblem{s.lr.line, runeCol(line, pos+q), ErrBareQuote}
			return res, nil
		}
		s.buf = append(s.buf, seg...)
		s.ends = append(s.ends, len(s.buf))
		pos += len(seg)
		if pos == end {
			break
		}
		pos += len(s.delim)
	}
	if want >= 0 && len(s.ends) != want {
		p := extra
		if p == nil { // too few: point just past the last field
			p = &csvProblem{line: s.lr.line, col: runeCol(line, pos)}
		}
		p.err = fmt.Errorf("%w: got %d, want %d", ErrFieldCount, len(s.ends), want)
		res.problem = p
	}
	return res, nil
}

// quoted reads the quoted field opening at line[pos], across as many lines
// as it spans, keeping embedded line breaks exactly as written. It returns
// the line and offset just past the closing quote.
func (s *csvScanner) quoted(line []byte, pos, recLine int) ([]byte, int, error) {
	openLine, openPos, openCol := s.lr.line, pos, 0
	pos++
	for {
		i := bytes.IndexByte(line[pos:], '"')
		if i >= 0 {
			s.buf = append(s.buf, line[pos:pos+i]...)
			pos += i + 1
			if pos < len(line) && line[pos] == '"' {
				s.buf = append(s.buf, '"')
				pos++
				continue
			}
			s.ends = append(s.ends, len(s.buf))
			return line, pos, nil
		}
		// The field goes on past this line: note the opening column while
		// its line is still in memory, in case the quote is never closed.
		if s.lr.line == openLine {
			openCol = runeCol(line, openPos)
		}
		s.buf = append(s.buf, line[pos:]...)
		next, err := s.lr.next()
		if err == io.EOF {
			return nil, 0, &RowError{
				Pos:    Position{Line: recLine},
				Line:   openLine,
				Column: openCol,
				Err:    ErrUnterminatedQuote,
			}
		}
		if err != nil {
			return nil, 0, err
		}
		line, pos = next, 0
	}
}

// runeCol returns the 1-based character column of byte offset pos in line.
// It is only called for errors and multi-line quotes, so its linear cost
// stays off the common path.
func runeCol(line []byte, pos int) int {
	return utf8.RuneCount(line[:pos]) + 1
}
