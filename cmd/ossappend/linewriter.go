package main

import (
	"bytes"
	"io"
)

// lineWriter hands its writer whole lines: every Write it makes ends with
// a newline and is at most max bytes, so that an ossappend.Writer with
// FlushSize max, which never splits such a Write, keeps every line whole
// in one object. The exceptions are a line longer than max, which is
// written as it comes, max bytes or more at a time, and the partial last
// line that Flush writes.
type lineWriter struct {
	w       io.Writer
	max     int
	partial []byte // the start of a line not ended yet
	begun   int    // how many partial lines have begun
	// open: the last Write to w did not end with a newline, so that the
	// line being read is written in parts already: a long line, or one
	// that Flush wrote before its end came.
	open bool
}

func newLineWriter(w io.Writer, max int) *lineWriter {
	return &lineWriter{w: w, max: max}
}

// Write writes the whole lines of p, with any partial line before them,
// and keeps the partial line at its end for a later Write or Flush. It
// does not keep p.
func (l *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(l.partial) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) >= l.max { // a long line: no use waiting for its end
				return n, l.Flush()
			}
			return n, nil
		}
		l.partial = append(l.partial, p[:i+1]...)
		if err := l.Flush(); err != nil {
			return n, err
		}
		p = p[i+1:]
	}
	end := bytes.LastIndexByte(p, '\n') + 1
	if err := l.writeLines(p[:end]); err != nil {
		return n, err
	}
	if end < len(p) {
		l.begun++
		l.partial = append(l.partial, p[end:]...)
	}
	if len(l.partial) >= l.max {
		return n, l.Flush()
	}
	return n, nil
}

// writeLines writes b, whole lines, in Writes of at most max bytes that
// end at a line's end, or of one long line.
func (l *lineWriter) writeLines(b []byte) error {
	for len(b) > 0 {
		end := len(b)
		if end > l.max {
			end = bytes.LastIndexByte(b[:l.max], '\n') + 1
			if end == 0 { // a line longer than max
				end = bytes.IndexByte(b, '\n') + 1
			}
		}
		if err := l.write(b[:end]); err != nil {
			return err
		}
		b = b[end:]
	}
	return nil
}

// pending reports whether a partial line waits for its end, and which one
// it is: the count of partial lines begun so far.
func (l *lineWriter) pending() (bool, int) { return len(l.partial) > 0, l.begun }

// waiting reports whether the start of a line waits for its end, none
// of it written yet: a line that may still be kept whole.
func (l *lineWriter) waiting() bool { return len(l.partial) > 0 && !l.open }

// drop forgets the partial line, unless part of its line was written
// already, and returns how many bytes it forgot.
func (l *lineWriter) drop() int {
	if l.open {
		return 0
	}
	n := len(l.partial)
	l.partial = l.partial[:0]
	return n
}

// Flush writes the partial line, if there is one.
func (l *lineWriter) Flush() error {
	if len(l.partial) == 0 {
		return nil
	}
	err := l.write(l.partial)
	l.partial = l.partial[:0]
	return err
}

// write writes b, which is not empty, to w.
func (l *lineWriter) write(b []byte) error {
	l.open = b[len(b)-1] != '\n'
	_, err := l.w.Write(b)
	return err
}
