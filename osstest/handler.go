package osstest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// call is one request being served.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	rt    route
	query url.Values
	id    string
	body  io.Reader // r.Body, throttled as faults and x-oss-traffic-limit say
	rate  int64     // response bandwidth cap in bytes per second, 0 if none
}

// requestIDs makes x-oss-request-id values: 24 upper-case hex digits, as
// OSS's are, unique within a process.
type requestIDs struct{ seq atomic.Uint64 }

var processStart = uint32(time.Now().Unix())

func (g *requestIDs) next() string {
	return fmt.Sprintf("%08X%016X", processStart, g.seq.Add(1))
}

// tracker counts the requests being served so that Close can wait for them.
type tracker struct {
	mu     sync.Mutex
	cond   *sync.Cond
	active int
}

func (t *tracker) add(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cond == nil {
		t.cond = sync.NewCond(&t.mu)
	}
	t.active += n
	if t.active == 0 {
		t.cond.Broadcast()
	}
}

func (t *tracker) wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cond == nil {
		t.cond = sync.NewCond(&t.mu)
	}
	for t.active > 0 {
		t.cond.Wait()
	}
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.active.add(1)
	defer s.active.add(-1)
	start := time.Now()
	if r.Body == nil { // Possible when the handler is called directly.
		r.Body = http.NoBody
	}
	c := &call{r: r, id: s.ids.next(), body: r.Body, query: r.URL.Query()}
	h := w.Header()
	h.Set("x-oss-request-id", c.id)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", s.clock.now().UTC().Format(http.TimeFormat))
	c.rt = s.routeRequest(r)
	sw := &statusWriter{ResponseWriter: w}
	c.w = sw
	defer func() {
		s.opts.logger.Debug("osstest request", "id", c.id, "op", c.rt.op, "method", r.Method,
			"bucket", c.rt.bucket, "key", c.rt.key, "status", sw.status, "duration", time.Since(start))
	}()

	s.stats.request(c.rt.op)
	if s.limiter.throttled(c.rt, s.clock.now()) {
		s.stats.throttled(c.rt.op)
		s.fail(c, errSlowDown)
		return
	}
	plan := s.faults.plan(c.rt.op)
	s.stats.injected(plan)
	if plan.latency > 0 && !sleepContext(r.Context(), plan.latency) {
		return
	}
	if plan.bandwidth > 0 {
		c.body = newThrottledReader(r.Context(), c.body, plan.bandwidth)
		c.rate = plan.bandwidth
	}
	switch plan.failure {
	case FaultError500:
		s.fail(c, errInternal)
		return
	case FaultError503:
		s.fail(c, errServiceUnavailable)
		return
	case FaultResetMidBody:
		resetMidBody(w, r)
		return
	case FaultDropResponse:
		buf := &discardWriter{header: http.Header{}}
		c.w = buf
		s.dispatch(c)
		dropConnection(w, false)
		return
	case FaultLateApply:
		body, err := io.ReadAll(c.body)
		if err != nil {
			s.fail(c, errBodyRead) // cut short: there is nothing whole to apply
			return
		}
		c.body = bytes.NewReader(body)
		c.r = c.r.WithContext(context.WithoutCancel(c.r.Context()))
		time.Sleep(plan.late) // whatever the client does meanwhile
		s.dispatch(c)
		return
	case FaultApplyThenError500, FaultApplyThenError503:
		c.w = &discardWriter{header: http.Header{}}
		s.dispatch(c)
		c.w = sw
		if plan.failure == FaultApplyThenError500 {
			s.fail(c, errInternal)
		} else {
			s.fail(c, errServiceUnavailable)
		}
		return
	}
	s.dispatch(c)
}

// dispatch checks a request and hands it to its operation.
func (s *Server) dispatch(c *call) {
	if err := s.check(c); err != nil {
		s.fail(c, err)
		return
	}
	c.body = clientBody{c.body}
	if err := c.rt.handle(s, c); err != nil {
		s.fail(c, withUploadEC(err, c.rt.op))
	}
}

// check validates the names in a request, authenticates it and applies the
// x-oss-traffic-limit header.
func (s *Server) check(c *call) error {
	if c.rt.bucket != "" && !validBucketName(c.rt.bucket) {
		return errInvalidBucketName.with("BucketName", c.rt.bucket)
	}
	if c.rt.hasKey && !validObjectName(c.rt.key) {
		return errInvalidObjectName
	}
	// OSS gives no meaning to a parameter given twice (which of
	// position=5&position=0 is meant?): refuse it rather than pick one.
	for k, v := range c.query {
		if len(v) > 1 {
			return errInvalidArgument.withMessage("The query parameter %q is given more than once.", k).with("ArgumentName", k)
		}
	}
	// Like OSS, find the bucket before checking who asks for it: a missing
	// bucket is NoSuchBucket whatever the credentials.
	if c.rt.bucket != "" && c.rt.op != "PutBucket" {
		if err := s.store.hasBucket(c.rt.bucket); err != nil {
			return err
		}
	}
	keyID, err := s.authenticate(c.r, c.rt)
	if err != nil {
		return err
	}
	if err := s.authorize(keyID, c); err != nil {
		return err
	}
	if v := c.r.Header.Get("x-oss-traffic-limit"); v != "" {
		bits, err := strconv.ParseInt(v, 10, 64)
		if err != nil || bits < 245760 || bits > 838860800 {
			return errInvalidArgument.withMessage("Invalid x-oss-traffic-limit: %q; it must be from 245760 to 838860800 bit/s.", v)
		}
		if c.rate == 0 || bits/8 < c.rate {
			c.rate = bits / 8
		}
		c.body = newThrottledReader(c.r.Context(), c.body, bits/8)
	}
	return nil
}

// fail answers err, an *ossError or any other error, which becomes 500:
// the client's trouble (its body could not be read) is logged at debug
// level, the server's own is a warning.
func (s *Server) fail(c *call, err error) {
	var oe *ossError
	if !errors.As(err, &oe) {
		if errors.Is(err, errBodyRead) || c.r.Context().Err() != nil {
			s.opts.logger.Debug("osstest: request cut short", "id", c.id, "op", c.rt.op, "error", err)
		} else {
			s.warn(fmt.Sprintf("%s %s/%s failed: %v", c.rt.op, c.rt.bucket, c.rt.key, err))
		}
		oe = errInternal
	}
	writeError(c.w, c.r, oe, c.id, c.r.Host)
}

// writeXML answers 200 with v as the XML body.
func (s *Server) writeXML(c *call, v any) error {
	out, err := xml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	body := append([]byte(xml.Header), out...)
	h := c.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	_ = writeThrottled(c.r.Context(), c.w, body, c.rate)
	return nil
}

// writeEmpty answers status with no body.
func writeEmpty(c *call, status int) {
	c.w.Header().Set("Content-Length", "0")
	c.w.WriteHeader(status)
}

// discardWriter collects and forgets a response that is going to be dropped.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// dropConnection closes the connection of w without answering; with reset
// it makes the close a TCP reset. A ResponseWriter that cannot be hijacked
// gets the net/http way of aborting a handler.
func dropConnection(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// resetMidBody reads about half of the request body, then resets the
// connection. Nothing is applied.
func resetMidBody(w http.ResponseWriter, r *http.Request) {
	n := r.ContentLength / 2
	if r.ContentLength < 0 {
		n = 1
	}
	if n > 0 {
		_, _ = io.CopyN(io.Discard, r.Body, n)
	}
	dropConnection(w, true)
}
