package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// recorder is the io.Writer the demo's loggers write to: it passes each
// record on to the ossappend.Writer and keeps a count and a SHA-256 of
// everything, to check the object against.
type recorder struct {
	mu    sync.Mutex
	w     io.Writer
	sum   hash.Hash
	lines atomic.Int64
}

func newRecorder(w io.Writer) *recorder { return &recorder{w: w, sum: sha256.New()} }

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.w.Write(p)
	r.sum.Write(p[:n])
	r.lines.Add(int64(bytes.Count(p[:n], []byte{'\n'})))
	return n, err
}

// digest returns the SHA-256 of what was written.
func (r *recorder) digest() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sum.Sum(nil)
}

var (
	demoPaths   = []string{"/", "/login", "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/cart", "/api/v1/search", "/static/app.js", "/healthz"}
	demoMethods = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	demoErrors  = []string{"upstream timeout", "connection reset by peer", "database is locked", "context deadline exceeded"}
)

// writeLogs makes workers goroutines log lines records in all through
// slog's JSON handler to w: the access log of a web service, drawn from a
// fixed seed. Each record carries its worker and sequence number, which
// verifyLogs checks. It stops early if ctx ends.
func writeLogs(ctx context.Context, w io.Writer, lines, workers int) error {
	logger := slog.New(slog.NewJSONHandler(w, nil))
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for id := range workers {
		n := lines / workers
		if id < lines%workers {
			n++
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(id), 2026))
			for seq := range n {
				if seq%1024 == 0 && ctx.Err() != nil {
					err := ctx.Err()
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				logRequest(ctx, logger, rng, id, seq)
			}
		})
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		return *err
	}
	return nil
}

func logRequest(ctx context.Context, logger *slog.Logger, rng *rand.Rand, worker, seq int) {
	status := 200
	switch r := rng.IntN(1000); {
	case r < 5:
		status = 500 + rng.IntN(4)
	case r < 40:
		status = 404
	case r < 60:
		status = 304
	case r < 70:
		status = 401
	}
	latency := time.Duration(rng.ExpFloat64()*float64(30*time.Millisecond)) + time.Millisecond
	attrs := []slog.Attr{
		slog.Int("worker", worker),
		slog.Int("seq", seq),
		slog.String("req_id", strconv.FormatUint(rng.Uint64(), 36)),
		slog.String("method", demoMethods[rng.IntN(len(demoMethods))]),
		slog.String("path", demoPaths[rng.IntN(len(demoPaths))]),
		slog.Int("status", status),
		slog.Duration("latency", latency),
		slog.Int("bytes", rng.IntN(64<<10)),
		slog.String("user", fmt.Sprintf("user-%05d", rng.IntN(20000))),
		slog.String("client_ip", fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))),
	}
	level, msg := slog.LevelInfo, "request served"
	switch {
	case status >= 500:
		level, msg = slog.LevelError, "request failed"
		attrs = append(attrs, slog.String("error", demoErrors[rng.IntN(len(demoErrors))]))
	case latency > 100*time.Millisecond:
		level, msg = slog.LevelWarn, "slow request"
	}
	logger.LogAttrs(ctx, level, msg, attrs...)
}

// verifyLogs reads the decoded object r line by line and checks that it
// holds every record of writeLogs exactly once, each worker's in order,
// and nothing else, byte for byte: lines records whose SHA-256 is digest.
// It returns the number of lines read.
func verifyLogs(r io.Reader, lines, workers int, digest []byte) (int, error) {
	sum := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, sum), 256<<10)
	next := make([]int, workers)
	count := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		if err != nil {
			return count, fmt.Errorf("line %d: %w", count+1, err)
		}
		count++
		worker, seq, ok := recordID(line)
		if !ok || worker < 0 || worker >= workers {
			return count, fmt.Errorf("line %d is not a record of the demo: %.80q", count, line)
		}
		if seq != next[worker] {
			return count, fmt.Errorf("line %d: worker %d's record %d where %d was due (lost, doubled or reordered)", count, worker, seq, next[worker])
		}
		next[worker]++
	}
	if count != lines {
		return count, fmt.Errorf("%d lines read back, %d written", count, lines)
	}
	if !bytes.Equal(sum.Sum(nil), digest) {
		return count, errors.New("the object's bytes differ from those written (SHA-256)")
	}
	return count, nil
}

// recordID finds the worker and seq fields of a record.
func recordID(line []byte) (worker, seq int, ok bool) {
	field := func(name string) (int, bool) {
		key := []byte(`"` + name + `":`)
		i := bytes.Index(line, key)
		if i < 0 {
			return 0, false
		}
		rest := line[i+len(key):]
		j := bytes.IndexByte(rest, ',')
		if j < 0 {
			return 0, false
		}
		n, err := strconv.Atoi(string(rest[:j]))
		return n, err == nil
	}
	worker, ok1 := field("worker")
	seq, ok2 := field("seq")
	return worker, seq, ok1 && ok2
}
