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

// progressEvery is how often --progress prints a line when standard error
// is not a terminal.
const progressEvery = 10 * time.Second

// How the monitor shows progress.
type progressMode int

const (
	noProgress    progressMode = iota
	progressBar                // a line redrawn in place, on a terminal
	progressLines              // a line every progressEvery, elsewhere
)

// pipeMonitor watches a pipe at work. It shows its progress (bytes in,
// rate, bytes stored, compression ratio and appends) as mode says, and
// prints one warning once appends have failed for warnAfter, naming the
// cause and how long they have failed, and one line, with the outage's
// length, when they work again.
type pipeMonitor struct {
	log       *messages
	bucket    string
	w         writerView
	read      *atomic.Int64 // bytes read from standard input: the "in" figure
	warnAfter time.Duration
	retryFor  time.Duration
	mode      progressMode
	now       func() time.Time

	bar      *progressbar.ProgressBar // with progressBar
	lastLine time.Time                // with progressLines: when the last line was printed
	begun    time.Time

	outage time.Time // when the failures warned of began; zero if none was

	quit chan struct{}
	done chan struct{}
}

// writerView is what the monitor reads of an ossappend.Writer.
type writerView interface {
	Stats() ossappend.Stats
	Key() string
}

func newPipeMonitor(log *messages, bucket string, w writerView, read *atomic.Int64, warnAfter, retryFor time.Duration, mode progressMode) *pipeMonitor {
	m := &pipeMonitor{
		log: log, bucket: bucket, w: w, read: read, warnAfter: warnAfter, retryFor: retryFor, mode: mode, now: time.Now,
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	m.begun = m.now()
	m.lastLine = m.begun
	if mode == progressBar {
		m.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(log.out),
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

// start runs the monitor until stop. From now until stop, a message
// takes the progress bar away before it is printed.
func (m *pipeMonitor) start() *pipeMonitor {
	if m.bar != nil {
		m.log.draw(func() { m.log.clear = func() { m.bar.Clear() } })
	}
	go func() {
		defer close(m.done)
		t := time.NewTicker(monitorEvery)
		defer t.Stop()
		for {
			select {
			case <-m.quit:
				return
			case <-t.C:
				m.look(m.now())
			}
		}
	}()
	return m
}

// look updates the progress and warns of an outage, or of its end. It is
// called by the monitor's goroutine, then once by finish.
func (m *pipeMonitor) look(now time.Time) {
	st := m.w.Stats()
	switch m.mode {
	case progressBar:
		in, line := m.progress(st)
		m.log.draw(func() {
			m.bar.Describe(line)
			m.bar.Set64(in)
		})
	case progressLines:
		if now.Sub(m.lastLine) >= progressEvery {
			m.lastLine = now
			in, line := m.progress(st)
			m.log.print(progressNote(line, in, st, now.Sub(m.begun)))
		}
	}
	if n, ok := m.outageNews(st, now); ok {
		m.log.print(n)
	}
}

// outageNews returns what to say about failing appends, if anything: a
// warning once they have failed for warnAfter, a note when they work
// again. Both say how long they have failed, from FailingSince, the start
// of the first failed request.
func (m *pipeMonitor) outageNews(st ossappend.Stats, now time.Time) (note, bool) {
	url := objectURL{m.bucket, m.w.Key()}
	if !m.outage.IsZero() && !st.FailingSince.Equal(m.outage) {
		lasted := now.Sub(m.outage)
		m.outage = time.Time{}
		return againNote(url, lasted), true
	}
	if m.outage.IsZero() && !st.FailingSince.IsZero() && now.Sub(st.FailingSince) >= m.warnAfter {
		m.outage = st.FailingSince
		cause := "unknown error"
		if st.LastFailure != nil {
			cause = oneLine(describe(st.LastFailure))
		}
		return outageNote(url, now.Sub(st.FailingSince), cause, m.retryFor), true
	}
	return note{}, false
}

// roughly rounds a duration for a message: to the second, or below one
// second to the millisecond.
func roughly(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// stop ends the monitor started by start, then finishes it.
func (m *pipeMonitor) stop() {
	close(m.quit)
	<-m.done
	m.finish(m.now())
}

// finish takes a last look, which tells whether appends that failed work
// again, and takes the progress bar away.
func (m *pipeMonitor) finish(now time.Time) {
	m.look(now)
	if m.bar != nil {
		m.log.draw(func() {
			m.bar.Finish()
			m.log.clear = nil
		})
	}
}

// summary prints the one line that sums up a pipe that took elapsed.
func (m *pipeMonitor) summary(elapsed time.Duration) {
	m.log.print(summaryNote(objectURL{m.bucket, m.w.Key()}, m.read.Load(), m.w.Stats(), elapsed))
}

// perSecond renders a rate: "3.4 MiB/s".
func perSecond(n int64, elapsed time.Duration) string {
	return humanBytes(int64(float64(n)/max(elapsed.Seconds(), 1e-3))) + "/s"
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
