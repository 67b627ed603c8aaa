package main

import (
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

// copier copies standard input into an ossappend.Writer, whole lines at a
// time, and to standard output with --tee.
type copier struct {
	e        *env
	lines    *lineWriter
	tee      bool
	read     *atomic.Int64 // bytes read from standard input
	holdLine time.Duration // how long a partial line may wait for its end; 0: until the frame is full
}

// copy copies until standard input ends, the writer fails, sig stops the
// reading, or sig gives up on the drain. It leaves a partial last line in
// c.lines.
func (c *copier) copy(sig *stopSignals) error {
	in := readChunks(c.e.stdin)
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
				return in.err
			}
			if err := c.take(in, chunk); err != nil {
				return err
			}
		case <-sig.stopRead:
			return c.finish(in)
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

// take copies one chunk of standard input and gives its buffer back.
func (c *copier) take(in *chunkReader, chunk []byte) error {
	c.read.Add(int64(len(chunk)))
	if _, err := c.lines.Write(chunk); err != nil {
		return err
	}
	if c.tee {
		if _, err := c.e.stdout.Write(chunk); err != nil {
			fmt.Fprintln(c.e.stderr, "ossappend: warning: --tee stopped:", oneLine(err))
			c.tee = false
		}
	}
	in.free <- chunk[:cap(chunk)]
	return nil
}

// finish stops the reading of standard input and copies what was read
// already: the chunks delivered, and what a Read under way returns within
// readerSettle.
func (c *copier) finish(in *chunkReader) error {
	in.stop()
	settle := time.NewTimer(readerSettle)
	defer settle.Stop()
	for {
		select {
		case chunk, ok := <-in.chunks:
			if !ok {
				return in.err
			}
			if err := c.take(in, chunk); err != nil {
				return err
			}
		case <-settle.C:
			return nil
		}
	}
}

// chunkReader reads a reader on a goroutine of its own, so that a signal
// can stop the copy while a Read blocks.
type chunkReader struct {
	chunks chan []byte // closed at the end of the input, or once stopped
	free   chan []byte // buffers to read into
	quit   chan struct{}
	err    error // why the input ended, nil for EOF; set before chunks closes
	once   atomic.Bool
}

func readChunks(r io.Reader) *chunkReader {
	const n, size = 4, 64 << 10
	// chunks holds every buffer, so that the reader never blocks on it.
	c := &chunkReader{chunks: make(chan []byte, n), free: make(chan []byte, n), quit: make(chan struct{})}
	for range n {
		c.free <- make([]byte, size)
	}
	go func() {
		defer close(c.chunks)
		for {
			var buf []byte
			select {
			case buf = <-c.free:
			case <-c.quit:
				return
			}
			select {
			case <-c.quit:
				return
			default:
			}
			k, err := r.Read(buf)
			if k > 0 {
				c.chunks <- buf[:k]
			} else {
				c.free <- buf
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					c.err = fmt.Errorf("read standard input: %w", err)
				}
				return
			}
		}
	}()
	return c
}

// stop makes the reader issue no more Reads.
func (c *chunkReader) stop() {
	if c.once.CompareAndSwap(false, true) {
		close(c.quit)
	}
}
