package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// monitorEvery is how often the monitor looks at the writer.
const monitorEvery = 200 * time.Millisecond

// pipeMonitor watches a pipe at work. On a terminal it keeps a progress
// line: bytes in, rate, bytes stored, compression ratio and appends.
// Anywhere, it prints one warning once appends have failed for warnAfter,
// naming the cause, and one line when they work again.
type pipeMonitor struct {
	out       io.Writer
	bucket    string
	w         writerView
	read      *atomic.Int64 // bytes read from standard input: the "in" figure
	warnAfter time.Duration
	retryFor  time.Duration
	bar       *progressbar.ProgressBar // nil unless out is a terminal

	outage time.Time // when the failures warned of began; zero if none was

	quit chan struct{}
	done chan struct{}
}

// writerView is what the monitor reads of an ossappend.Writer.
type writerView interface {
	Stats() ossappend.Stats
	Key() string
}

func newPipeMonitor(stderr io.Writer, bucket string, w writerView, read *atomic.Int64, warnAfter, retryFor time.Duration) *pipeMonitor {
	m := &pipeMonitor{
		out: stderr, bucket: bucket, w: w, read: read, warnAfter: warnAfter, retryFor: retryFor,
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	if isTerminal(stderr) {
		m.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionUseIECUnits(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(monitorEvery),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	}
	return m
}

// start runs the monitor until stop.
func (m *pipeMonitor) start() *pipeMonitor {
	go func() {
		defer close(m.done)
		t := time.NewTicker(monitorEvery)
		defer t.Stop()
		for {
			select {
			case <-m.quit:
				return
			case now := <-t.C:
				m.look(now)
			}
		}
	}()
	return m
}

// look updates the progress line and warns of an outage, or of its end.
func (m *pipeMonitor) look(now time.Time) {
	st := m.w.Stats()
	if m.bar != nil {
		in, line := m.progress(st)
		m.bar.Describe(line)
		m.bar.Set64(in)
	}
	if msg := m.outageNews(st, now); msg != "" {
		if m.bar != nil {
			m.bar.Clear()
		}
		fmt.Fprintln(m.out, msg)
	}
}

// outageNews returns the line to print about failing appends, if any: a
// warning once they have failed for warnAfter, a note when they work
// again.
func (m *pipeMonitor) outageNews(st ossappend.Stats, now time.Time) string {
	url := objectURL{m.bucket, m.w.Key()}
	if !m.outage.IsZero() && !st.FailingSince.Equal(m.outage) {
		lasted := now.Sub(m.outage).Round(time.Second)
		m.outage = time.Time{}
		return fmt.Sprintf("ossappend: appends to %s work again, after failing for %v", url, lasted)
	}
	if m.outage.IsZero() && !st.FailingSince.IsZero() && now.Sub(st.FailingSince) >= m.warnAfter {
		m.outage = st.FailingSince
		cause := "unknown error"
		if st.LastFailure != nil {
			cause = oneLine(st.LastFailure)
		}
		retry := fmt.Sprintf("retrying for up to %v (--retry-for)", m.retryFor)
		if m.retryFor == 0 {
			retry = "retrying until they work (--retry-for 0)"
		}
		return fmt.Sprintf("ossappend: warning: appends to %s have failed for %v: %s; %s",
			url, now.Sub(st.FailingSince).Round(time.Second), cause, retry)
	}
	return ""
}

// stop ends the monitor, and on a terminal puts a summary in place of the
// progress line.
func (m *pipeMonitor) stop(elapsed time.Duration) {
	close(m.quit)
	<-m.done
	if m.bar == nil {
		return
	}
	m.bar.Finish()
	st := m.w.Stats()
	in := m.read.Load()
	fmt.Fprintf(m.out, "ossappend: %s in, %s stored in %s (%s), %s, %s/s\n",
		humanBytes(in), humanBytes(st.BytesAppended), objectURL{m.bucket, m.w.Key()}, ratio(st.BytesStored, st.BytesAppended),
		plural(st.Appends, "append"), humanBytes(int64(float64(in)/max(elapsed.Seconds(), 1e-3))))
}

// progress returns the bytes in and the progress line's description. The
// bytes in are those read from standard input, which only grow: the
// writer's BytesWritten may lag behind them while a Write holds it.
func (m *pipeMonitor) progress(st ossappend.Stats) (in int64, line string) {
	in = m.read.Load()
	return in, fmt.Sprintf("%s in, %s stored (%s), %s",
		humanBytes(in), humanBytes(st.BytesAppended), ratio(st.BytesStored, st.BytesAppended), plural(st.Appends, "append"))
}

// plural renders a count of things: "1 append", "2 appends".
func plural(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
