package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
	"go.uber.org/zap/zapcore"
)

// NetBucket is the bucket the network scenarios write to.
const NetBucket = "bench"

// A NetPeer is a contender of the logging-through-the-network scenario
// (scenario 2): it opens a writer onto an object of an osstest server.
type NetPeer struct {
	Name string
	Open func(c *oss.Client, key string) (io.Writer, func() error, error)
}

// NetPeers are scenario 2's contenders, ours first.
func NetPeers() []NetPeer {
	return []NetPeer{
		{oursNet, openOursNet(compress.None())},
		{oursNetZstd, openOursNet(compress.Zstd(compress.DefaultZstdLevel))},
		{"AppendOnlyFile (one append per line)", openAOF},
		{netBufio, openBufioAOF},
		{"zap BufferedWriteSyncer 256 KiB, 1 s → AppendOnlyFile", openZapAOF},
	}
}

func openOursNet(codec compress.Codec) func(*oss.Client, string) (io.Writer, func() error, error) {
	return func(c *oss.Client, key string) (io.Writer, func() error, error) {
		w, err := ossappend.NewWriter(context.Background(), c, NetBucket, key, ossappend.WithCodec(codec))
		if err != nil {
			return nil, nil, err
		}
		return w, w.Close, nil
	}
}

// openAOF is the SDK's AppendOnlyFile: every Write is one AppendObject.
func openAOF(c *oss.Client, key string) (io.Writer, func() error, error) {
	f, err := c.AppendFile(context.Background(), NetBucket, key)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func openBufioAOF(c *oss.Client, key string) (io.Writer, func() error, error) {
	f, err := c.AppendFile(context.Background(), NetBucket, key)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	return bw, func() error { return errors.Join(bw.Flush(), f.Close()) }, nil
}

func openZapAOF(c *oss.Client, key string) (io.Writer, func() error, error) {
	f, err := c.AppendFile(context.Background(), NetBucket, key)
	if err != nil {
		return nil, nil, err
	}
	z := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(f), Size: 256 << 10, FlushInterval: time.Second}
	return z, func() error { return errors.Join(z.Stop(), f.Close()) }, nil
}

// NetResult is one peer's run at one latency.
type NetResult struct {
	Peer    string
	Latency time.Duration
	Lines   int64         // lines logged
	Bytes   int64         // bytes logged
	Stored  int64         // bytes in the object (compressed, for a codec)
	Appends int64         // AppendObject requests the server answered
	Frames  int64         // ossappend's frames (Stats().Frames); 0 for other peers
	Elapsed time.Duration // logging time plus closing time
	Close   time.Duration // closing time alone
	Others  float64       // cores other work took during the run (see cpuMeter)
	CPU     float64       // the process's user and system seconds during the run
	CPUOK   bool          // CPU could be read (getrusage, Unix only)
	PeerCPU float64       // of it, the peer's goroutines' (and slog's), from a CPU profile (see cpuSplit)
	PeerOK  bool          // PeerCPU could be had: no other CPU profile ran
}

// LinesPerSec is the lines logged per second of the whole run, the final
// flush included.
func (r NetResult) LinesPerSec() float64 { return float64(r.Lines) / r.Elapsed.Seconds() }

// Counts are the run's appends and frames.
func (r NetResult) Counts() Counts { return Counts{Appends: r.Appends, Frames: r.Frames} }

// CPUPerGiB formats the process's CPU seconds per GiB logged, or "n/a".
func (r NetResult) CPUPerGiB() string { return cpuPerGiB(r.CPU, r.CPUOK, r.Bytes) }

// PeerCPUPerGiB formats the peer's CPU seconds per GiB logged, or "n/a".
func (r NetResult) PeerCPUPerGiB() string { return cpuPerGiB(r.PeerCPU, r.PeerOK, r.Bytes) }

// cpuPerGiB formats seconds of CPU per GiB of bytes, or "n/a".
func cpuPerGiB(seconds float64, ok bool, bytes int64) string {
	if !ok || bytes == 0 {
		return "n/a"
	}
	return num(seconds / (float64(bytes) / (1 << 30)))
}

// Network runs peer p against srv with latency injected into every
// request: it logs workload lines through slog's JSON handler for d, closes
// the writer, reads the object back and checks it holds every line once,
// in order. srv's faults and counts are reset.
func Network(srv *osstest.Server, wl *Workload, p NetPeer, latency, d time.Duration, key string) (NetResult, error) {
	res := NetResult{Peer: p.Name, Latency: latency}
	if latency > 0 {
		srv.SetFaults(1, osstest.Fault{Kind: osstest.FaultLatency, Latency: latency})
	} else {
		srv.SetFaults(1)
	}
	defer srv.SetFaults(1)
	c := srv.Client()
	var w io.Writer
	var cw *countingWriter
	var m cpuMeter
	var start time.Time
	err := errors.New("not run")
	split := startCPUSplit()
	// The peer, its goroutines and slog carry the label; osstest's and the
	// garbage collector's background workers do not.
	labeled(func(ctx context.Context) {
		var closeFn func() error
		w, closeFn, err = p.Open(c, key)
		if err != nil {
			err = fmt.Errorf("%s: open: %w", p.Name, err)
			return
		}
		srv.ResetCounts()
		cw = &countingWriter{w: w}
		logger := slog.New(slog.NewJSONHandler(cw, &slog.HandlerOptions{Level: slog.LevelDebug}))
		m = readCPU()
		start = time.Now()
		for time.Since(start) < d {
			wl.Log(ctx, logger, int(res.Lines))
			res.Lines++
		}
		closing := time.Now()
		err = closeFn()
		res.Close = time.Since(closing)
		res.Elapsed = time.Since(start)
		res.CPU, res.CPUOK = m.selfCPU()
	})
	if side, _, serr := split.stop(); serr == nil {
		res.PeerCPU, res.PeerOK = side.Seconds(), true
	}
	if cw == nil {
		return res, err
	}
	ctx := context.Background()
	res.Others = m.othersCores()
	res.Bytes = cw.n
	res.Appends = srv.Counts().Requests["AppendObject"]
	if ow, ok := w.(*ossappend.Writer); ok {
		res.Frames = ow.Stats().Frames
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", p.Name, err)
	}
	obj, ok := srv.Object(NetBucket, key)
	if !ok {
		return res, fmt.Errorf("%s: object %s missing", p.Name, key)
	}
	res.Stored = int64(len(obj))
	_, delErr := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(NetBucket), Key: oss.Ptr(key)})
	text, err := decode(obj)
	if err == nil {
		err = checkLines(text, res.Lines, res.Bytes)
	}
	if err != nil {
		return res, fmt.Errorf("%s at %v: %w", p.Name, latency, err)
	}
	return res, delErr
}

// SlogCPU logs workload lines through slog's JSON handler into a counting
// discard for d and returns the process's CPU seconds per GiB: what
// rendering the lines costs, before any peer touches them.
func SlogCPU(wl *Workload, d time.Duration) string {
	cw := &countingWriter{w: io.Discard}
	logger := slog.New(slog.NewJSONHandler(cw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	m := readCPU()
	for i, start := 0, time.Now(); time.Since(start) < d; i++ {
		wl.Log(ctx, logger, i)
	}
	cpu, ok := m.selfCPU()
	return cpuPerGiB(cpu, ok, cw.n)
}
