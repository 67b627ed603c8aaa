package bench

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// Discard is the peers' in-memory destination: an io.Writer and a
// zapcore.WriteSyncer that drops what it is given but counts it, so that a
// benchmark can check that every byte arrived. With Keep it keeps the
// bytes too, for tests. Unlike io.Discard it has no ReadFrom, so a
// bufio.Writer in front of it really buffers.
type Discard struct {
	Keep bool

	n    atomic.Int64
	mu   sync.Mutex
	data []byte
}

// Write counts p (and keeps it with Keep).
func (d *Discard) Write(p []byte) (int, error) {
	d.n.Add(int64(len(p)))
	if d.Keep {
		d.mu.Lock()
		d.data = append(d.data, p...)
		d.mu.Unlock()
	}
	return len(p), nil
}

// Sync does nothing; it makes a Discard a zapcore.WriteSyncer.
func (d *Discard) Sync() error { return nil }

// Len is the number of bytes written.
func (d *Discard) Len() int64 { return d.n.Load() }

// Data is what was written, if Keep.
func (d *Discard) Data() []byte { d.mu.Lock(); defer d.mu.Unlock(); return bytes.Clone(d.data) }

// onlyReader hides every method of a reader but Read, WriterTo above all,
// so that io.Copy goes through the destination's ReadFrom (or its own
// buffer) for every peer alike.
type onlyReader struct{ io.Reader }

// lockedWriter serializes writes to a writer that is not safe for
// concurrent use, as a program logging from many goroutines must.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
