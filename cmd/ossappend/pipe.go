package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// pipeCmd is "ossappend pipe": standard input into an object.
type pipeCmd struct {
	FlushSize     byteSize      `help:"Append once this many bytes are buffered: the frame size, and the longest line kept whole (default ${default})." default:"${flushSize}" placeholder:"SIZE"`
	FlushInterval time.Duration `help:"Append buffered bytes at least this often; a line without its newline yet waits as long for it. 0 appends only full frames (default ${default})." default:"${flushInterval}" placeholder:"DURATION"`
	Compress      string        `help:"Compression of each frame: none, gzip, zstd or s2 (default: from the key's extension: .gz, .zst, .s2, else none). It must be the existing object's." placeholder:"CODEC"`
	Tee           bool          `help:"Also copy standard input to standard output."`
	RetryFor      time.Duration `help:"Give up on an append that keeps failing for this long; 0 never gives up (default ${default})." default:"${retryFor}" placeholder:"DURATION"`
	WarnAfter     time.Duration `help:"Warn on standard error once appends have failed for this long, and say when they work again (default ${default})." default:"10s" placeholder:"DURATION"`
	DrainTimeout  time.Duration `help:"On SIGINT or SIGTERM, wait at most this long for what was read to be stored (default ${default})." default:"1m" placeholder:"DURATION"`
	Spool         string        `help:"Keep what is read in files under DIR until OSS has stored it: a pipe killed at any moment, or stopped by a long outage, loses nothing, and the next pipe --spool DIR sends it first, exactly once. DIR must exist." placeholder:"DIR" type:"path"`
	SpoolLimit    byteSize      `help:"With --spool, the most bytes waiting in DIR when OSS is slow or down; reading stops when it is reached (default ${default})." default:"${spoolLimit}" placeholder:"SIZE"`
	SpoolSync     time.Duration `help:"With --spool, sync DIR to disk at least this often, so that a power loss takes at most the input of the last period; 0: only at the end (default ${default})." default:"1s" placeholder:"DURATION"`
	Layout        bool          `help:"The key is a layout that names objects by time and source: %Y %m %d %H %M %S expand to the time (UTC), {host} and {pid} to this process, %% to a %; a new object starts each period, such as 'logs/dt=%Y-%m-%d/hour=%H/{host}.log.zst'."`

	Object string `arg:"" name:"oss-url" help:"The object to append to, oss://BUCKET/KEY, or with --layout oss://BUCKET/LAYOUT; the first append creates it if it does not exist (empty input creates nothing), and pipe goes on in the newest object of its chain of rotations."`
}

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
	conn, err := g.connect(u.Bucket, e.stderr)
	if err != nil {
		return err
	}
	defer conn.Close()

	// From here on, the first SIGINT or SIGTERM stops the copy, which
	// stores what it read, and a second one abandons that. SIGPIPE from
	// --tee's standard output becomes an error of the write rather than the
	// end of the process.
	sig := watchSignals(p.DrainTimeout)
	defer sig.stop()
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	headCtx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	opts := []ossappend.Option{
		ossappend.WithCodec(codec),
		ossappend.WithFlushSize(int(p.FlushSize)),
		ossappend.WithFlushInterval(p.FlushInterval),
		ossappend.WithRetry(retryFor(p.RetryFor)),
		ossappend.WithErrorHandler(func(err error) {
			// What stops the writer comes back from Write or Shutdown;
			// only a move to another key is news here: after a conflict,
			// or past an object a new period cannot append to.
			if errors.Is(err, ossappend.ErrConflict) || errors.Is(err, ossappend.ErrNotAppendable) {
				fmt.Fprintln(e.stderr, "ossappend: warning:", oneLine(err))
			}
		}),
	}
	if p.Layout {
		opts = append(opts, ossappend.WithKeyLayout())
	}
	if p.Spool != "" {
		opts = append(opts, ossappend.WithSpool(p.Spool), ossappend.WithSpoolLimit(int64(p.SpoolLimit)), ossappend.WithSpoolSync(p.SpoolSync))
	}
	w, err := ossappend.NewWriter(headCtx, conn.client, u.Bucket, u.Key, opts...)
	if err != nil {
		return within("pipe "+u.String(), err)
	}

	// Shutdown happens once: at the end, or when sig gives up on the drain,
	// which also wakes a Write waiting for a frame.
	shutdown := sync.OnceValue(func() error { return w.Shutdown(sig.drain) })
	stopGiveUp := context.AfterFunc(sig.drain, func() { shutdown() })
	defer stopGiveUp()

	var read atomic.Int64
	c := &copier{e: e, lines: newLineWriter(w, int(p.FlushSize)), tee: p.Tee, read: &read, holdLine: p.FlushInterval}
	monitor := newPipeMonitor(e.stderr, u.Bucket, w, &read, p.WarnAfter, p.RetryFor).start()
	start := time.Now()
	copyErr := c.copy(sig)
	if err := c.lines.Flush(); copyErr == nil {
		copyErr = err
	}
	closeErr := shutdown()
	monitor.stop(time.Since(start))

	st := w.Stats()
	lost := read.Load() - st.BytesStored
	if p.Spool != "" {
		lost = st.Pending // read before, or now: what is in the spool
	}
	switch {
	case p.Spool != "" && lost > 0 && (closeErr != nil || sig.drain.Err() != nil):
		cause := closeErr
		if cause == nil {
			cause = context.Cause(sig.drain)
		}
		return within("pipe "+u.String(), fmt.Errorf("%w; %d bytes are kept in the spool %s, and the next pipe --spool %s sends them", cause, lost, p.Spool, p.Spool))
	case sig.drain.Err() != nil && lost > 0:
		return fmt.Errorf("pipe %s: %d bytes not stored: %w", u, lost, context.Cause(sig.drain))
	case closeErr != nil && lost > 0:
		return within("pipe "+u.String(), fmt.Errorf("%w (%d bytes not stored)", closeErr, lost))
	case closeErr != nil:
		return within("pipe "+u.String(), closeErr)
	case copyErr != nil:
		return within("pipe "+u.String(), copyErr)
	}
	return nil
}

// retryFor is the library's retry policy with its time limit set to d.
func retryFor(d time.Duration) ossappend.Retry {
	r := ossappend.DefaultRetry
	r.MaxElapsed = d
	return r
}
