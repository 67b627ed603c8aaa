package main

import (
	"bufio"
	"io"
	"testing"
	"time"
)

// lineStream delivers the lines of a reader on a channel, so that a test
// can wait for them with a deadline.
type lineStream struct {
	lines chan string
}

func streamLines(r io.Reader) *lineStream {
	s := &lineStream{lines: make(chan string, 4096)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// expect waits for the next lines to be want, in order.
func (s *lineStream) expect(t *testing.T, want ...string) {
	t.Helper()
	timeout := time.After(cmdDeadline)
	for _, w := range want {
		select {
		case got, ok := <-s.lines:
			if !ok {
				t.Fatalf("output ended while waiting for line %q", w)
			}
			if got != w {
				t.Fatalf("read line %q, want %q", got, w)
			}
		case <-timeout:
			t.Fatalf("line %q not read within %v", w, cmdDeadline)
		}
	}
}

// next waits for the next line.
func (s *lineStream) next(t *testing.T) string {
	t.Helper()
	select {
	case got, ok := <-s.lines:
		if !ok {
			t.Fatal("output ended while waiting for a line")
		}
		return got
	case <-time.After(cmdDeadline):
		t.Fatalf("no line within %v", cmdDeadline)
	}
	return ""
}
