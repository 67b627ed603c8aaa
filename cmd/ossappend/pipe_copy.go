package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// readerSettle is how long pipe waits, once it stops reading, for a Read
// of standard input already under way to return: what it returns was read,
// and is stored.
const readerSettle = 100 * time.Millisecond

// lineGrace is how long pipe, stopped by a signal in the middle of a line,
// reads on for the line's newline: a producer still running writes it at
// once; one stopped by the same Ctrl-C never will.
const lineGrace = time.Second

// copier copies standard input into an ossappend.Writer, whole lines at a
// time, and to standard output with --tee.
type copier struct {
	e        *env
	lines    *lineWriter
	tee      bool
	read     *atomic.Int64 // bytes read from standard input
	holdLine time.Duration // how long a partial line may wait for its end; 0: until the frame is full
	lineWait time.Duration // after a signal, how long a line may wait for its end: lineGrace
	where    string        // the object, for messages
	say      func(note)    // prints a message
}

// copy copies until standard input ends, the writer fails, sig stops the
// reading, or sig gives up on the drain. It leaves a partial last line in
// c.lines, unless a signal came: then it stores only whole lines, and
// leaves out the start of a line whose end does not come.
func (c *copier) copy(sig *stopSignals) error {
	in := readChunks(c.e.stdin, c.lines.max, sig.stopRead)
	defer in.stop()
	hold := time.NewTimer(time.Hour)
	hold.Stop()
	defer hold.Stop()
	var holdC <-chan time.Time
	held := 0 // the partial line hold is timing
	for {
		select {
		case chunk, ok := <-in.chunks:
			if !ok {
				if in.err == nil && signaled(sig) {
					c.cut("the input ended after the signal, before the line's newline")
				}
				return in.err
			}
			if err := c.take(in, chunk); err != nil {
				return err
			}
		case <-sig.stopRead:
			return c.finish(in, sig)
		case <-sig.drain.Done():
			return nil
		case <-holdC:
			holdC = nil
			if err := c.lines.Flush(); err != nil {
				return err
			}
			continue
		}
		// A partial line waits for its end at most holdLine.
		switch pending, line := c.lines.pending(); {
		case !pending:
			hold.Stop()
			holdC = nil
		case c.holdLine > 0 && (holdC == nil || line != held):
			hold.Reset(c.holdLine)
			holdC, held = hold.C, line
		}
	}
}

// signaled reports whether a signal has come.
func signaled(sig *stopSignals) bool {
	select {
	case <-sig.signaled:
		return true
	default:
		return false
	}
}

// take copies one chunk of standard input and gives its buffer back.
func (c *copier) take(in *chunkReader, chunk []byte) error {
	c.read.Add(int64(len(chunk)))
	if _, err := c.lines.Write(chunk); err != nil {
		return err
	}
	if c.tee {
		if _, err := c.e.stdout.Write(chunk); err != nil {
			c.say(teeNote(err))
			c.tee = false
		}
	}
	in.free <- chunk[:cap(chunk)]
	return nil
}

// finish stops the reading of standard input at the end of a line: it
// copies what was read already, what a Read under way returns within
// readerSettle, and, if that ends inside a line none of which is stored
// yet, what comes up to the line's newline, for at most lineWait and
// --flush-size bytes; of the last Read, the bytes after its last newline
// begin a line that is not read to its end, and are dropped as what is
// still in the pipe is. A line whose newline does not come is left out,
// and reported. A line stored in part already (a long one, or one held
// past --flush-interval) is split anyway: what was read of it is stored.
func (c *copier) finish(in *chunkReader, sig *stopSignals) error {
	settle := time.NewTimer(readerSettle)
	defer settle.Stop()
	wait := time.NewTimer(c.lineWait)
	defer wait.Stop()
	for {
		select {
		case chunk, ok := <-in.chunks:
			if !ok {
				if in.err == nil && in.ended {
					c.cut("the input ended after the signal, before the line's newline")
				}
				return in.err
			}
			if err := c.take(in, chunk); err != nil {
				return err
			}
		case <-settle.C:
			if err := c.takeReady(in); err != nil || !c.lines.waiting() {
				in.stop()
				return err
			}
		case <-wait.C:
			in.stop()
			if err := c.takeReady(in); err != nil || !c.lines.waiting() {
				return err
			}
			c.cut(fmt.Sprintf("its newline did not come within %v of the signal", c.lineWait))
			return nil
		case <-sig.drain.Done():
			return nil
		}
	}
}

// takeReady copies the chunks read already.
func (c *copier) takeReady(in *chunkReader) error {
	for {
		select {
		case chunk, ok := <-in.chunks:
			if !ok {
				return in.err
			}
			if err := c.take(in, chunk); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// cut leaves out the partial line, unless part of its line was stored
// already, and says so.
func (c *copier) cut(why string) {
	if n := c.lines.drop(); n > 0 {
		c.say(cutNote(c.where, n, why))
	}
}

// chunkReader reads a reader on a goroutine of its own, so that a signal
// can stop the copy while a Read blocks.
type chunkReader struct {
	chunks  chan []byte // closed at the end of the input, once stopped, or at a line's end
	free    chan []byte // buffers to read into
	quit    chan struct{}
	lineEnd <-chan struct{} // once closed, reading stops at the end of a line
	maxLine int             // the longest line whose end it waits for

	// Set before chunks closes:
	err   error // why the input ended, nil for EOF
	ended bool  // the input ended (EOF or err), rather than the reading was stopped

	once atomic.Bool
}

// readChunks starts reading r. Once lineEnd is closed, it reads no more
// than it takes to end the line it is in, unless that line is maxLine
// bytes long already; of a Read begun after that, it keeps the bytes up to
// the last newline.
func readChunks(r io.Reader, maxLine int, lineEnd <-chan struct{}) *chunkReader {
	const n, size = 4, 64 << 10
	// chunks holds every buffer, so that the reader never blocks on it.
	c := &chunkReader{chunks: make(chan []byte, n), free: make(chan []byte, n), quit: make(chan struct{}),
		lineEnd: lineEnd, maxLine: maxLine}
	for range n {
		c.free <- make([]byte, size)
	}
	go c.run(r)
	return c
}

func (c *chunkReader) run(r io.Reader) {
	defer close(c.chunks)
	line := 0 // the bytes read since the last newline
	for {
		var buf []byte
		select {
		case buf = <-c.free:
		case <-c.quit:
			return
		}
		ending := false // this Read is for the end of a line
		select {
		case <-c.quit:
			return
		case <-c.lineEnd:
			if line == 0 || line >= c.maxLine {
				return // at a line's end, or in a line long enough to be split anyway
			}
			ending = true
		default:
		}
		k, err := r.Read(buf)
		chunk := buf[:k]
		i := bytes.LastIndexByte(chunk, '\n')
		switch {
		case i >= 0 && ending:
			// The line is complete; what follows begins one that would
			// not be.
			chunk = chunk[:i+1]
		case i >= 0:
			line = k - (i + 1)
		default:
			line += k
		}
		if len(chunk) > 0 {
			c.chunks <- chunk
		} else {
			c.free <- buf
		}
		if ending && i >= 0 {
			return
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.err = fmt.Errorf("read the input: %w", err)
			}
			c.ended = true
			return
		}
	}
}

// stop makes the reader issue no more Reads.
func (c *chunkReader) stop() {
	if c.once.CompareAndSwap(false, true) {
		close(c.quit)
	}
}
