package main

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// fakeView is a writerView that returns the Stats it is given.
type fakeView struct{ st ossappend.Stats }

func (f *fakeView) Stats() ossappend.Stats { return f.st }
func (f *fakeView) Key() string            { return "k.log" }

// TestProgressInNeverGoesBack: the progress line's "in" only grows, even
// when the writer's BytesWritten is lower than it was a moment before (it
// leaves out a frame being filled while a Write holds the writer).
func TestProgressInNeverGoesBack(t *testing.T) {
	var read atomic.Int64
	view := &fakeView{}
	m := newPipeMonitor(newMessages(io.Discard, formatText, slog.LevelInfo), "b", view, &read, time.Second, time.Minute, noProgress)
	last := int64(-1)
	for _, step := range []struct{ read, written int64 }{{300, 300}, {320, 100}, {4096, 4000}, {4096, 0}} {
		read.Store(step.read)
		view.st.BytesWritten = step.written
		in, line := m.progress(view.st)
		if in < last || !strings.HasPrefix(line, humanBytes(in)+" in,") {
			t.Fatalf("after %d in, the progress shows %d: %q", last, in, line)
		}
		last = in
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int64]string{0: "0 appends", 1: "1 append", 2: "2 appends"} {
		if got := plural(n, "append"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
	var read atomic.Int64
	m := newPipeMonitor(newMessages(io.Discard, formatText, slog.LevelInfo), "b", &fakeView{}, &read, time.Second, time.Minute, noProgress)
	if _, line := m.progress(ossappend.Stats{Appends: 1}); !strings.HasSuffix(line, ", 1 append") {
		t.Errorf("progress line %q", line)
	}
}

// TestOutageNews: one warning once appends have failed for warnAfter,
// naming the cause; one line when they work again; nothing in between.
func TestOutageNews(t *testing.T) {
	var read atomic.Int64
	view := &fakeView{}
	m := newPipeMonitor(newMessages(io.Discard, formatText, slog.LevelInfo), "b", view, &read, 10*time.Second, 10*time.Minute, noProgress)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cause := &oss.ServiceError{Code: "ServiceUnavailable", Message: "Please slow down.", StatusCode: 503}
	view.st.FailingSince, view.st.LastFailure = t0, errors.New("append: "+cause.Error())
	if msg, ok := m.outageNews(view.st, t0.Add(9*time.Second)); ok {
		t.Errorf("after 9s: %q", msg.text)
	}
	n, _ := m.outageNews(view.st, t0.Add(10*time.Second))
	msg := "ossappend: " + n.text
	for _, want := range []string{"warning:", "oss://b/k.log", "failed for 10s", "ServiceUnavailable", "retrying for up to 10m (--retry-for)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("warning %q is more than a line", msg)
	}
	if msg, ok := m.outageNews(view.st, t0.Add(time.Minute)); ok {
		t.Errorf("a second warning: %q", msg.text)
	}
	view.st.FailingSince, view.st.LastFailure = time.Time{}, nil
	if msg, _ := m.outageNews(view.st, t0.Add(90*time.Second)); !strings.Contains(msg.text, "work again, after failing for 1m30s") {
		t.Errorf("recovery: %q", msg.text)
	}
	if msg, ok := m.outageNews(view.st, t0.Add(91*time.Second)); ok {
		t.Errorf("after the recovery: %q", msg.text)
	}
	// A new outage that began between two looks is a new one.
	view.st.FailingSince, view.st.LastFailure = t0.Add(100*time.Second), errors.New("dial tcp: connection refused")
	if msg, _ := m.outageNews(view.st, t0.Add(110*time.Second)); !strings.Contains(msg.text, "connection refused") {
		t.Errorf("second outage: %q", msg.text)
	}
}

// TestOutageNewsTrueDuration: failures seen only when the first failed
// request returns (it hung for a request timeout) are warned of at once,
// with the time since that request began; the end of the outage, seen by
// the last look as the pipe ends, is said too, with its length.
func TestOutageNewsTrueDuration(t *testing.T) {
	var read atomic.Int64
	view := &fakeView{}
	var out strings.Builder
	m := newPipeMonitor(newMessages(&out, formatText, slog.LevelInfo), "b", view, &read, 2*time.Second, time.Minute, noProgress)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m.look(t0.Add(9 * time.Second)) // the first request hangs: nothing is known yet
	view.st.FailingSince, view.st.LastFailure = t0, errors.New("read tcp: i/o timeout")
	m.look(t0.Add(10 * time.Second)) // it timed out
	if got := out.String(); !strings.Contains(got, "have failed for 10s: read tcp: i/o timeout") {
		t.Fatalf("after the first failure: %q", got)
	}
	out.Reset()
	view.st.FailingSince, view.st.LastFailure = time.Time{}, nil // stored at last
	m.finish(t0.Add(40 * time.Second))
	if got := out.String(); !strings.Contains(got, "work again, after failing for 40s") {
		t.Fatalf("at the end: %q", got)
	}
}

// TestProgressLines: with --progress away from a terminal, a line every
// progressEvery, none in between.
func TestProgressLines(t *testing.T) {
	var read atomic.Int64
	read.Store(3 << 20)
	view := &fakeView{st: ossappend.Stats{BytesAppended: 1 << 20, BytesStored: 3 << 20, Appends: 2}}
	var out strings.Builder
	m := newPipeMonitor(newMessages(&out, formatText, slog.LevelInfo), "b", view, &read, time.Second, time.Minute, progressLines)
	start := m.begun
	m.look(start.Add(progressEvery / 2))
	if out.Len() != 0 {
		t.Fatalf("a line before %v: %q", progressEvery, out.String())
	}
	m.look(start.Add(progressEvery))
	if got := out.String(); got != "ossappend: 3.0 MiB in, 1.0 MiB stored (3.0x), 2 appends, 307.2 KiB/s\n" {
		t.Fatalf("progress line %q", got)
	}
}
