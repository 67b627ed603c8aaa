package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stepReader is an input whose every Read the test sees coming and
// answers: a Read announces itself on calls, then returns what the test
// sends it, or io.EOF for a closed channel.
type stepReader struct {
	calls chan chan string
	quit  chan struct{}
}

func (s *stepReader) Read(p []byte) (int, error) {
	answer := make(chan string)
	select {
	case s.calls <- answer:
	case <-s.quit:
		return 0, io.ErrClosedPipe
	}
	select {
	case b, ok := <-answer:
		if !ok {
			return 0, io.EOF
		}
		return copy(p, b), nil
	case <-s.quit:
		return 0, io.ErrClosedPipe
	}
}

// copyRun is a copier at work on a stepReader, in the test process, with
// signals the test sends by hand.
type copyRun struct {
	in       *stepReader
	sig      *stopSignals
	giveUp   context.CancelCauseFunc
	c        *copier
	mu       sync.Mutex
	writes   [][]byte // under mu
	warnings []string // under mu
	done     chan error
}

// startCopy starts a copier of lines of at most max bytes that waits
// lineWait for a line's end after a signal and holds a partial line for
// hold.
func startCopy(t *testing.T, max int, hold, lineWait time.Duration) *copyRun {
	t.Helper()
	r := &copyRun{in: &stepReader{calls: make(chan chan string), quit: make(chan struct{})}, done: make(chan error, 1),
		sig: &stopSignals{signaled: make(chan struct{}), stopRead: make(chan struct{})}}
	r.sig.drain, r.giveUp = context.WithCancelCause(context.Background())
	var read atomic.Int64
	r.c = &copier{e: &env{stdin: r.in, stdout: io.Discard}, lines: newLineWriter(lockedWriter{r}, max), read: &read,
		holdLine: hold, lineWait: lineWait, where: "oss://b/k", say: func(n note) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.warnings = append(r.warnings, n.text)
		}}
	go func() {
		err := r.c.copy(r.sig)
		if ferr := r.c.lines.Flush(); err == nil {
			err = ferr
		}
		r.done <- err
	}()
	t.Cleanup(func() { close(r.in.quit); r.giveUp(nil) })
	return r
}

// lockedWriter records the Writes of the copier under the run's lock.
type lockedWriter struct{ r *copyRun }

func (l lockedWriter) Write(p []byte) (int, error) {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.writes = append(l.r.writes, bytes.Clone(p))
	return len(p), nil
}

// nextRead waits for the copier's next Read of the input.
func (r *copyRun) nextRead(t *testing.T) chan string {
	t.Helper()
	select {
	case answer := <-r.in.calls:
		return answer
	case <-time.After(cmdDeadline):
		t.Fatalf("no Read of the input within %v", cmdDeadline)
	}
	return nil
}

// feed answers the next Read with s, and waits for the Read after it to
// be under way, which it returns.
func (r *copyRun) feed(t *testing.T, s string) chan string {
	t.Helper()
	r.nextRead(t) <- s
	return r.nextRead(t)
}

// signal is the first signal, and the end of the grace after it.
func (r *copyRun) signal() {
	close(r.sig.signaled)
	close(r.sig.stopRead)
}

// wait waits for the copy to end and returns what it wrote and warned.
func (r *copyRun) wait(t *testing.T) (string, []string) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("copy: %v", err)
		}
	case <-time.After(cmdDeadline):
		t.Fatalf("copy still running after %v", cmdDeadline)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(bytes.Join(r.writes, nil)), r.warnings
}

// TestCopySignalCompletesTheLine: a signal in the middle of a line reads
// on to its newline. A Read under way at the signal is taken whole; of the
// Read for the line's end, the bytes after its last newline, the start of
// another line, are not stored.
func TestCopySignalCompletesTheLine(t *testing.T) {
	r := startCopy(t, 1<<10, time.Hour, time.Hour)
	underWay := r.feed(t, "one\ntw")
	r.signal()
	underWay <- "o\nthree\nfo"
	r.nextRead(t) <- "ur\nfive\nsi"
	got, warnings := r.wait(t)
	if got != "one\ntwo\nthree\nfour\nfive\n" || len(warnings) > 0 {
		t.Fatalf("stored %q, warned %q; want the lines up to the last newline read, no warning", got, warnings)
	}
}

// TestCopySignalLeavesOutACutLine: a line whose newline does not come
// within the wait is left out, and one warning says so.
func TestCopySignalLeavesOutACutLine(t *testing.T) {
	r := startCopy(t, 1<<10, time.Hour, 10*time.Millisecond)
	r.feed(t, "one\ntwo\nthr") // the next Read never returns
	r.signal()
	got, warnings := r.wait(t)
	if got != "one\ntwo\n" {
		t.Fatalf("stored %q, want the whole lines", got)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "left out the last 3 bytes read") || !strings.Contains(warnings[0], "oss://b/k") {
		t.Fatalf("warnings %q, want one about the 3 bytes left out", warnings)
	}
}

// TestCopySignalAtALineEnd: a signal between lines stops at once, the
// Read under way abandoned.
func TestCopySignalAtALineEnd(t *testing.T) {
	r := startCopy(t, 1<<10, time.Hour, time.Hour)
	r.feed(t, "one\ntwo\n")
	r.signal()
	if got, warnings := r.wait(t); got != "one\ntwo\n" || len(warnings) > 0 {
		t.Fatalf("stored %q, warned %q", got, warnings)
	}
}

// TestCopyEOFAfterSignal: input that ends in the middle of a line after a
// signal (the producer was interrupted too) stores whole lines only.
func TestCopyEOFAfterSignal(t *testing.T) {
	r := startCopy(t, 1<<10, time.Hour, time.Hour)
	underWay := r.feed(t, "one\ntw")
	close(r.sig.signaled) // within the grace: reading goes on
	close(underWay)
	got, warnings := r.wait(t)
	if got != "one\n" || len(warnings) != 1 || !strings.Contains(warnings[0], "the input ended") {
		t.Fatalf("stored %q, warned %q", got, warnings)
	}
}

// TestCopyEOFWithoutSignal: without a signal, the input's last line is
// stored with or without its newline.
func TestCopyEOFWithoutSignal(t *testing.T) {
	r := startCopy(t, 1<<10, time.Hour, time.Hour)
	close(r.feed(t, "one\ntw"))
	if got, warnings := r.wait(t); got != "one\ntw" || len(warnings) > 0 {
		t.Fatalf("stored %q, warned %q", got, warnings)
	}
}

// TestCopySignalInALongLine: a line longer than the most kept whole is
// split anyway: a signal in it stores what was read, without waiting.
func TestCopySignalInALongLine(t *testing.T) {
	r := startCopy(t, 8, time.Hour, time.Hour)
	r.feed(t, "one\n0123456789ab")
	r.signal()
	if got, warnings := r.wait(t); got != "one\n0123456789ab" || len(warnings) > 0 {
		t.Fatalf("stored %q, warned %q", got, warnings)
	}
}

// TestCopySignalAfterAHeldLine: a line stored in part already, because
// its writer paused longer than the hold, is stored to the end read.
func TestCopySignalAfterAHeldLine(t *testing.T) {
	r := startCopy(t, 1<<10, time.Millisecond, time.Hour)
	r.feed(t, "one\nprompt> ")
	waitFor(t, "the held line stored", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.writes) == 2
	})
	r.signal()
	if got, warnings := r.wait(t); got != "one\nprompt> " || len(warnings) > 0 {
		t.Fatalf("stored %q, warned %q", got, warnings)
	}
}
