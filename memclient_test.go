package ossappend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// memClient is an in-memory stand-in for OSS with its append semantics
// (position check, CRC-64, Normal and sealed objects), for unit tests of
// the writer's logic and for fuzzing it. Integration tests use osstest and
// the real SDK instead.
type memClient struct {
	mu      sync.Mutex
	bucket  string
	objects map[string]*memObject
	// fault, if set, decides the fate of each request; it runs under mu.
	fault func(op string) memFault
	// gate, if set, is received from before each append is handled: a
	// test holds appends back by not sending.
	gate chan struct{}
	// noCRC makes replies carry no CRC-64, like a client that has none.
	noCRC bool

	appends, heads int
	bodies         [][]byte                   // the body of each applied append
	created        []*oss.AppendObjectRequest // the requests that created objects
}

type memObject struct {
	data       []byte
	appendable bool
	sealed     bool
}

type memFault int

const (
	memOK          memFault = iota
	memUnavailable          // 503 before applying
	memLost                 // apply, then fail as if the response were lost
	memForbidden            // 403: credentials refused
)

var ecma = crc64.MakeTable(crc64.ECMA)

func newMemClient(bucket string) *memClient {
	return &memClient{bucket: bucket, objects: map[string]*memObject{}}
}

func svcErr(status int, code string, hdr http.Header) error {
	return &oss.ServiceError{StatusCode: status, Code: code, Message: code, Headers: hdr}
}

var errLost = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: connection reset by peer")

func (c *memClient) decide(op string) memFault {
	if c.fault == nil {
		return memOK
	}
	return c.fault(op)
}

func (c *memClient) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, _ ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heads++
	switch c.decide("HeadObject") {
	case memUnavailable, memLost:
		return nil, svcErr(503, "ServiceUnavailable", nil)
	case memForbidden:
		return nil, svcErr(403, "InvalidAccessKeyId", nil)
	}
	if *req.Bucket != c.bucket {
		return nil, svcErr(404, "NoSuchBucket", nil)
	}
	o, ok := c.objects[*req.Key]
	if !ok {
		return nil, svcErr(404, "NoSuchKey", nil)
	}
	res := &oss.HeadObjectResult{ContentLength: int64(len(o.data)), ObjectType: oss.Ptr("Normal")}
	res.Headers = http.Header{}
	if o.appendable {
		res.ObjectType = oss.Ptr("Appendable")
		res.NextAppendPosition = oss.Ptr(strconv.Itoa(len(o.data)))
		if o.sealed {
			res.Headers.Set("x-oss-sealed-time", "Wed, 25 Nov 2026 16:00:00 GMT")
		}
	}
	if !c.noCRC {
		res.HashCRC64 = oss.Ptr(strconv.FormatUint(crc64.Checksum(o.data, ecma), 10))
	}
	return res, nil
}

func (c *memClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, _ ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.appends++
	fault := c.decide("AppendObject")
	switch fault {
	case memUnavailable:
		return nil, svcErr(503, "ServiceUnavailable", nil)
	case memForbidden:
		return nil, svcErr(403, "InvalidAccessKeyId", nil)
	}
	if *req.Bucket != c.bucket {
		return nil, svcErr(404, "NoSuchBucket", nil)
	}
	o, ok := c.objects[*req.Key]
	if !ok {
		o = &memObject{appendable: true}
	}
	if !o.appendable || o.sealed {
		return nil, svcErr(409, "ObjectNotAppendable", nil)
	}
	if *req.Position != int64(len(o.data)) {
		h := http.Header{}
		h.Set("x-oss-next-append-position", strconv.Itoa(len(o.data)))
		return nil, svcErr(409, "PositionNotEqualToLength", h)
	}
	if !ok {
		c.objects[*req.Key] = o
		r := *req // the writer reuses its requests once a call returns
		c.created = append(c.created, &r)
	}
	o.data = append(o.data, body...)
	c.bodies = append(c.bodies, body)
	if req.ProgressFn != nil {
		req.ProgressFn(int64(len(body)), int64(len(body)), int64(len(body)))
	}
	if fault == memLost {
		return nil, errLost
	}
	sum := crc64.Checksum(o.data, ecma)
	res := &oss.AppendObjectResult{NextPosition: int64(len(o.data))}
	if !c.noCRC {
		res.HashCRC64 = oss.Ptr(strconv.FormatUint(sum, 10))
	}
	return res, nil
}

func (c *memClient) SealAppendObject(ctx context.Context, req *oss.SealAppendObjectRequest, _ ...func(*oss.Options)) (*oss.SealAppendObjectResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.objects[*req.Key]
	if !ok {
		return nil, svcErr(404, "NoSuchKey", nil)
	}
	if *req.Position != int64(len(o.data)) {
		return nil, svcErr(409, "PositionNotEqualToLength", nil)
	}
	o.sealed = true
	return &oss.SealAppendObjectResult{SealedTime: oss.Ptr("now")}, nil
}

// GetObject serves a whole object or a "bytes=a-b" range of one.
func (c *memClient) GetObject(ctx context.Context, req *oss.GetObjectRequest, _ ...func(*oss.Options)) (*oss.GetObjectResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.objects[*req.Key]
	if !ok {
		return nil, svcErr(404, "NoSuchKey", nil)
	}
	data := o.data
	res := &oss.GetObjectResult{}
	res.StatusCode = 200
	if req.Range != nil {
		var from, to int
		if _, err := fmt.Sscanf(*req.Range, "bytes=%d-%d", &from, &to); err != nil || from > to || from >= len(data) {
			return nil, svcErr(416, "InvalidRange", nil)
		}
		to = min(to, len(data)-1) // as OSS does, a range past the end stops at it
		res.StatusCode = 206
		res.ContentRange = oss.Ptr(fmt.Sprintf("bytes %d-%d/%d", from, to, len(data)))
		data = data[from : to+1]
	}
	res.Body = io.NopCloser(bytes.NewReader(append([]byte(nil), data...)))
	return res, nil
}

// object returns a copy of the object at key.
func (c *memClient) object(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.objects[key]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), o.data...), true
}

// put stores a Normal object, as PutObject does, or appends foreign bytes
// to an appendable one when appendable is set.
func (c *memClient) put(key string, data []byte, appendable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.objects[key]; ok && appendable && o.appendable {
		o.data = append(o.data, data...)
		return
	}
	c.objects[key] = &memObject{data: append([]byte(nil), data...), appendable: appendable}
}

func (c *memClient) setFault(f func(op string) memFault) {
	c.mu.Lock()
	c.fault = f
	c.mu.Unlock()
}
