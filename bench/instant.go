package bench

import (
	"bytes"
	"context"
	"errors"
	"hash"
	"hash/crc64"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// crcTable is CRC-64/ECMA-182, the checksum OSS keeps of objects.
var crcTable = crc64.MakeTable(crc64.ECMA)

// Instant is an ossappend.Client whose appends cost nothing but consuming
// the body: an OSS with an infinitely fast network. HeadObject answers 404
// NoSuchKey for a key no append has created, and an appendable object's
// length otherwise; AppendObject checks the position (409
// PositionNotEqualToLength), counts the body and answers NextPosition.
// Keys are kept apart, so a writer that rotates past 5 GiB finds its next
// key free.
//
// Whether it answers the object's CRC-64 (x-oss-hash-crc64ecma, which the
// writer reads as HashCRC64) is the CRC field:
//
//   - false (the scenarios' default): no CRC-64 in the answer, so the
//     writer computes it itself, as it does to check its appends. The body
//     is drained into io.Discard, which for the writer's bytes.Reader costs
//     nothing.
//   - true: the client computes the CRC-64 of each body, as OSS does, and
//     answers the object's; the writer then computes none. The CPU moves
//     from the writer into the fake (on OSS it is the server's).
//
// With Keep the client also keeps the objects' bytes, for tests; with Dir
// it keeps them in files in that directory instead, one per key, off the
// heap, so that a run whose heap is measured can still be checked: up to
// 256 of them open at once, until Close. With
// Latency each append waits that long before it is applied, outside the
// client's lock, as a round trip to OSS would.
type Instant struct {
	CRC     bool
	Keep    bool
	Dir     string
	Latency time.Duration

	mu      sync.Mutex
	tee     tee              // the body's two destinations, under mu
	open    []*instantObject // objects whose files are open, oldest first
	objects map[string]*instantObject
	order   []string // keys in the order they were created
	appends int64
	total   int64
}

type instantObject struct {
	size int64
	crc  uint64
	data []byte
	file *os.File // open, with Dir; nil once closed to keep few open
}

// maxOpenFiles is how many objects' files an Instant with Dir keeps open;
// beyond, it closes the one opened longest ago.
const maxOpenFiles = 256

// fileLocked returns o's file, opening it if it is not open. c.mu is held.
func (c *Instant) fileLocked(o *instantObject, key string) (*os.File, error) {
	if o.file != nil {
		return o.file, nil
	}
	if len(c.open) == maxOpenFiles {
		old := c.open[0]
		c.open = append(c.open[:0], c.open[1:]...)
		if err := old.file.Close(); err != nil {
			return nil, err
		}
		old.file = nil
	}
	f, err := os.OpenFile(c.path(key), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	o.file = f
	c.open = append(c.open, o)
	return f, nil
}

// Close closes the objects' files an Instant with Dir keeps open.
func (c *Instant) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, o := range c.open {
		errs = append(errs, o.file.Close())
		o.file = nil
	}
	c.open = nil
	return errors.Join(errs...)
}

// tee writes to a and to b, as io.MultiWriter does without allocating:
// the client keeps one, used under its lock.
type tee struct{ a, b io.Writer }

func (t *tee) Write(p []byte) (int, error) {
	if _, err := t.a.Write(p); err != nil {
		return 0, err
	}
	return t.b.Write(p)
}

// timers are the timers of appends' latency, reused.
var timers sync.Pool

var _ ossappend.Client = (*Instant)(nil)

// HeadObject answers 404 NoSuchKey for a key not yet created, else the
// appendable object's length (and CRC-64 with CRC).
func (c *Instant) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, _ ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.objects[oss.ToString(req.Key)]
	if o == nil {
		return nil, &oss.ServiceError{StatusCode: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist."}
	}
	res := &oss.HeadObjectResult{
		ContentLength:      o.size,
		ObjectType:         oss.Ptr("Appendable"),
		NextAppendPosition: oss.Ptr(strconv.FormatInt(o.size, 10)),
	}
	if c.CRC {
		res.HashCRC64 = oss.Ptr(strconv.FormatUint(o.crc, 10))
	}
	return res, nil
}

// AppendObject consumes the body at once if the position is the object's
// length, and answers 409 PositionNotEqualToLength otherwise.
func (c *Instant) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, _ ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	if c.Latency > 0 {
		t, _ := timers.Get().(*time.Timer)
		if t == nil {
			t = time.NewTimer(c.Latency)
		} else {
			t.Reset(c.Latency)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			timers.Put(t)
			return nil, ctx.Err()
		}
		timers.Put(t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := oss.ToString(req.Key)
	o := c.objects[key]
	if o == nil {
		o = &instantObject{}
	}
	if req.Position == nil || *req.Position != o.size {
		return nil, &oss.ServiceError{StatusCode: http.StatusConflict, Code: "PositionNotEqualToLength",
			Message: "Position is not equal to file length",
			Headers: http.Header{"X-Oss-Next-Append-Position": {strconv.FormatInt(o.size, 10)}}}
	}
	var sink io.Writer = io.Discard
	var h hash.Hash64
	if c.CRC {
		h = crc64.New(crcTable)
		sink = h
	}
	switch {
	case c.Dir != "":
		f, err := c.fileLocked(o, key)
		if err != nil {
			return nil, err
		}
		c.tee = tee{sink, f}
		sink = &c.tee
	case c.Keep:
		c.tee = tee{sink, (*appendTo)(&o.data)}
		sink = &c.tee
	}
	n, err := io.Copy(sink, req.Body)
	if err != nil {
		return nil, err
	}
	if c.objects == nil {
		c.objects = map[string]*instantObject{}
	}
	if c.objects[key] == nil {
		c.objects[key] = o
		c.order = append(c.order, key)
	}
	c.appends++
	c.total += n
	o.size += n
	res := &oss.AppendObjectResult{NextPosition: o.size}
	if c.CRC {
		o.crc = oss.CRC64Combine(o.crc, h.Sum64(), uint64(n))
		res.HashCRC64 = oss.Ptr(strconv.FormatUint(o.crc, 10))
	}
	return res, nil
}

// Size is the number of bytes appended, over all keys.
func (c *Instant) Size() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.total }

// Appends counts the appends applied.
func (c *Instant) Appends() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.appends }

// Keys are the keys created, in order.
func (c *Instant) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// CRC64 is the CRC-64 of the object at key; it is computed only with CRC.
func (c *Instant) CRC64(key string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.objects[key]; o != nil {
		return o.crc
	}
	return 0
}

// Data is the bytes of every object, in the order they were created;
// they are kept only with Keep or Dir (whose files are read back; a file
// that cannot be read ends the bytes there).
func (c *Instant) Data() []byte {
	var b []byte
	for _, k := range c.Keys() {
		o, err := c.Object(k)
		if err != nil {
			break
		}
		b = append(b, o...)
	}
	return b
}

// Object is the bytes of the object at key, kept with Keep or Dir; nil
// without either.
func (c *Instant) Object(key string) ([]byte, error) {
	if c.Dir != "" {
		return os.ReadFile(c.path(key))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.objects[key]; o != nil {
		return bytes.Clone(o.data), nil
	}
	return nil, nil
}

// path is the file that holds key's bytes with Dir.
func (c *Instant) path(key string) string { return filepath.Join(c.Dir, url.PathEscape(key)) }

// appendTo is an io.Writer that appends to a slice.
type appendTo []byte

func (a *appendTo) Write(p []byte) (int, error) { *a = append(*a, p...); return len(p), nil }
