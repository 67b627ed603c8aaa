package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// demoProgress shows how many of the demo's lines are written: a bar on a
// terminal, a line at each quarter otherwise.
type demoProgress struct {
	quit chan struct{}
	done chan struct{}
}

func startDemoProgress(out io.Writer, total int, rec *recorder) *demoProgress {
	p := &demoProgress{quit: make(chan struct{}), done: make(chan struct{})}
	var bar *progressbar.ProgressBar
	if isTerminal(out) {
		bar = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("writing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("lines"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		quarter := 1
		for {
			var quit bool
			select {
			case <-p.quit:
				quit = true
			case <-t.C:
			}
			n := rec.lines.Load()
			if bar != nil {
				bar.Set64(n)
			}
			for ; quarter <= 4 && n*4 >= int64(total*quarter); quarter++ {
				if bar == nil {
					fmt.Fprintf(out, "  %3d%%  %s lines\n", quarter*25, commas(int64(total*quarter)/4))
				}
			}
			if quit {
				if bar != nil {
					bar.Finish()
				}
				return
			}
		}
	}()
	return p
}

// stop renders the final state and ends the progress display.
func (p *demoProgress) stop() {
	close(p.quit)
	<-p.done
}
