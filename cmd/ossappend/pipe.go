package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// pipeCmd is "ossappend pipe": standard input into an object.
type pipeCmd struct {
	FlushSize     byteSize      `help:"Append once this many bytes are buffered: the frame size (default ${default})." default:"4MiB" placeholder:"SIZE"`
	FlushInterval time.Duration `help:"Append buffered bytes at least this often; 0 appends only full frames (default ${default})." default:"1s" placeholder:"DURATION"`
	Compress      string        `help:"Compression of each frame: none, gzip, zstd or s2 (default: from the key's extension: .gz, .zst, .s2, else none)." placeholder:"CODEC"`
	Tee           bool          `help:"Also copy standard input to standard output."`
	RetryFor      time.Duration `help:"Give up on an append that keeps failing for this long; 0 never gives up (default ${default})." default:"10m" placeholder:"DURATION"`
	DrainTimeout  time.Duration `help:"On SIGINT or SIGTERM, wait at most this long for the buffered bytes to be stored (default ${default})." default:"1m" placeholder:"DURATION"`

	Object string `arg:"" name:"oss-url" help:"The object to append to, oss://BUCKET/KEY; it is created if it does not exist."`
}

// stdinGrace is how long pipe keeps reading standard input after SIGINT or
// SIGTERM while bytes keep coming: a producer interrupted with it (Ctrl-C
// reaches the whole pipeline) leaves its last output in the pipe.
const stdinGrace = 250 * time.Millisecond

// Run copies standard input into the object until it ends or a signal
// comes, then stores everything read.
func (p *pipeCmd) Run(g *globals, e *env) error {
	u, err := parseObjectURL(p.Object)
	if err != nil {
		return err
	}
	codec := compress.ByExtension(u.Key)
	if p.Compress != "" {
		if codec, err = compress.ByName(p.Compress); err != nil {
			return usagef("--compress %q: want none, gzip, zstd or s2", p.Compress)
		}
	}
	conn, err := g.connect(u.Bucket)
	if err != nil {
		return err
	}
	defer conn.Close()

	// From here on, the first SIGINT or SIGTERM stops the copy, which
	// stores what it read, and a second one abandons that. SIGPIPE from
	// --tee's standard output becomes an error of the write rather than the
	// end of the process.
	stopping, abandoned, stopSignals := watchSignals()
	defer stopSignals()
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	headCtx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	w, err := ossappend.NewWriter(headCtx, conn.client, u.Bucket, u.Key,
		ossappend.WithCodec(codec),
		ossappend.WithFlushSize(int(p.FlushSize)),
		ossappend.WithFlushInterval(p.FlushInterval),
		ossappend.WithRetry(ossappend.Retry{MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxElapsed: p.RetryFor}),
		ossappend.WithErrorHandler(func(err error) {
			// What stops the writer comes back from Write or Shutdown;
			// only a move to a new key is news here.
			if errors.Is(err, ossappend.ErrConflict) {
				fmt.Fprintln(e.stderr, "ossappend: warning:", oneLine(err))
			}
		}),
	)
	if err != nil {
		return fmt.Errorf("pipe %s: %w", u, err)
	}
	progress := startPipeProgress(e.stderr, w, u)
	start := time.Now()
	copyErr := p.copy(e, w, stopping)

	// Store what was read, unless a second signal gives up on it.
	drainCtx, cancelDrain := context.WithTimeout(abandoned, p.DrainTimeout)
	defer cancelDrain()
	closeErr := w.Shutdown(drainCtx)
	progress.stop(time.Since(start))
	switch {
	case closeErr != nil:
		return fmt.Errorf("pipe %s: %w", u, closeErr)
	case copyErr != nil:
		return fmt.Errorf("pipe %s: %w", u, copyErr)
	}
	return nil
}

// copy copies standard input into w, and to standard output with --tee,
// until standard input ends, w fails, or a signal comes.
func (p *pipeCmd) copy(e *env, w *ossappend.Writer, stopping <-chan struct{}) error {
	in := readChunks(e.stdin)
	tee := p.Tee
	write := func(b []byte) error {
		if _, err := w.Write(b); err != nil {
			return err
		}
		if tee {
			if _, err := e.stdout.Write(b); err != nil {
				fmt.Fprintln(e.stderr, "ossappend: warning: --tee stopped:", oneLine(err))
				tee = false
			}
		}
		in.free <- b[:cap(b)]
		return nil
	}
	// After a signal, grace fires once the input has been quiet for
	// stdinGrace; graceC is nil until then.
	grace := time.NewTimer(stdinGrace)
	grace.Stop()
	defer grace.Stop()
	var graceC <-chan time.Time
	for {
		select {
		case c, ok := <-in.chunks:
			if !ok {
				return in.err
			}
			if err := write(c); err != nil {
				return err
			}
			if graceC != nil {
				grace.Reset(stdinGrace)
			}
		case <-stopping:
			stopping, graceC = nil, grace.C
			grace.Reset(stdinGrace)
		case <-graceC:
			return nil
		}
	}
}

// watchSignals watches for SIGINT and SIGTERM: stopping is closed at the
// first, abandoned is canceled at the second. stop ends the watch.
func watchSignals() (stopping <-chan struct{}, abandoned context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	first := make(chan struct{})
	ctx, abandon := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		for n := 0; n < 2; n++ {
			select {
			case <-sigs:
			case <-done:
				return
			}
			if n == 0 {
				close(first)
			} else {
				abandon()
			}
		}
	}()
	return first, ctx, func() {
		signal.Stop(sigs)
		close(done)
		abandon()
	}
}

// chunkReader reads a reader on a goroutine of its own, so that a signal
// can stop the copy while a Read blocks.
type chunkReader struct {
	chunks chan []byte // closed at the end of the input
	free   chan []byte // buffers to read into
	err    error       // why the input ended, nil for EOF; set before chunks closes
}

func readChunks(r io.Reader) *chunkReader {
	const n, size = 4, 64 << 10
	c := &chunkReader{chunks: make(chan []byte, n), free: make(chan []byte, n+1)}
	for range n + 1 {
		c.free <- make([]byte, size)
	}
	go func() {
		for {
			buf := <-c.free
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
				close(c.chunks)
				return
			}
		}
	}()
	return c
}
