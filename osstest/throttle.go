package osstest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// sleepContext sleeps for d or until ctx is done, and reports whether it
// slept the whole time.
func sleepContext(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pacer holds a byte stream to a rate: after n bytes it sleeps until the
// time those bytes are due at rate bytes per second from the start.
type pacer struct {
	ctx   context.Context
	rate  int64
	start time.Time
	n     int64
}

func newPacer(ctx context.Context, rate int64) *pacer {
	return &pacer{ctx: ctx, rate: rate, start: time.Now()}
}

// chunk is how many bytes to move at a time: a tenth of a second's worth,
// so that the pace is smooth.
func (p *pacer) chunk(want int) int {
	c := p.rate / 10
	if c < 1 {
		c = 1
	}
	if int64(want) > c {
		return int(c)
	}
	return want
}

// wait accounts for n more bytes and sleeps until they are due. It reports
// false if the context ended first.
func (p *pacer) wait(n int) bool {
	p.n += int64(n)
	due := p.start.Add(time.Duration(float64(p.n) / float64(p.rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		return sleepContext(p.ctx, d)
	}
	return true
}

// throttledReader reads from r no faster than a rate.
type throttledReader struct {
	r io.Reader
	p *pacer
}

func newThrottledReader(ctx context.Context, r io.Reader, rate int64) io.Reader {
	return &throttledReader{r: r, p: newPacer(ctx, rate)}
}

func (t *throttledReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return t.r.Read(b)
	}
	n, err := t.r.Read(b[:t.p.chunk(len(b))])
	if n > 0 && !t.p.wait(n) && err == nil {
		err = t.p.ctx.Err()
	}
	return n, err
}

// writeThrottled writes data to w no faster than rate bytes per second
// (without limit if rate is 0), flushing as it goes.
func writeThrottled(ctx context.Context, w http.ResponseWriter, data []byte, rate int64) error {
	if rate <= 0 {
		_, err := w.Write(data)
		return err
	}
	return copyThrottled(ctx, w, bytes.NewReader(data), rate)
}

// copyThrottled copies r to w no faster than rate bytes per second
// (without limit if rate is 0), flushing as it goes when limited.
func copyThrottled(ctx context.Context, w http.ResponseWriter, r io.Reader, rate int64) error {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	if rate <= 0 {
		_, err := io.CopyBuffer(writerOnly{w}, r, *buf)
		return err
	}
	rc := http.NewResponseController(w)
	p := newPacer(ctx, rate)
	for {
		n, rerr := r.Read((*buf)[:p.chunk(len(*buf))])
		if n > 0 {
			if _, err := w.Write((*buf)[:n]); err != nil {
				return err
			}
			_ = rc.Flush()
			if !p.wait(n) {
				return ctx.Err()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// writerOnly hides a writer's other methods (ReadFrom), so that io.CopyBuffer
// uses the buffer it is given.
type writerOnly struct{ io.Writer }
