package main

import (
	"fmt"
	"io"
	"os"
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

// pipeProgress keeps a progress line on a terminal while pipe runs: bytes
// in, rate, bytes stored, compression ratio and appends.
type pipeProgress struct {
	out  io.Writer
	url  objectURL
	w    *ossappend.Writer
	bar  *progressbar.ProgressBar
	quit chan struct{}
	done chan struct{}
}

// startPipeProgress starts the progress line if stderr is a terminal;
// otherwise it returns nil, whose stop does nothing.
func startPipeProgress(stderr io.Writer, w *ossappend.Writer, u objectURL) *pipeProgress {
	if !isTerminal(stderr) {
		return nil
	}
	p := &pipeProgress{
		out: stderr, url: u, w: w, quit: make(chan struct{}), done: make(chan struct{}),
		bar: progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionUseIECUnits(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionShowDescriptionAtLineEnd(),
		),
	}
	go p.run()
	return p
}

func (p *pipeProgress) run() {
	defer close(p.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			st := p.w.Stats()
			p.bar.Describe(fmt.Sprintf("%s in, %s stored (%s), %d appends",
				humanBytes(st.BytesWritten), humanBytes(st.BytesAppended), ratio(st.BytesStored, st.BytesAppended), st.Appends))
			p.bar.Set64(st.BytesWritten)
		}
	}
}

// stop clears the progress line and prints a summary in its place.
func (p *pipeProgress) stop(elapsed time.Duration) {
	if p == nil {
		return
	}
	close(p.quit)
	<-p.done
	p.bar.Finish()
	st := p.w.Stats()
	fmt.Fprintf(p.out, "ossappend: %s in, %s stored in %s (%s), %d appends, %s/s\n",
		humanBytes(st.BytesWritten), humanBytes(st.BytesAppended), objectURL{p.url.Bucket, p.w.Key()}, ratio(st.BytesStored, st.BytesAppended),
		st.Appends, humanBytes(int64(float64(st.BytesWritten)/max(elapsed.Seconds(), 1e-3))))
}
