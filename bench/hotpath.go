package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"go.uber.org/zap/zapcore"
)

// HotWriteSize is the size of every write of the hot-path scenario.
const HotWriteSize = 128

// A Sink is one peer's writer, opened for one run: W takes the writes,
// Finish flushes and closes it and reports how many bytes reached the
// destination, which the scenario checks against what it wrote. Data is
// what the destination holds, if it was opened to keep it. Counts, for an
// ossappend.Writer, is its Stats' Appends and Frames, and Keys the keys of
// the objects it created, in order; both nil for other peers. Drop, if not nil, must be called once the run is over, whether Finish
// was called or not: it closes what is still open and removes what Open
// made on disk.
type Sink struct {
	W      io.Writer
	Finish func() (stored int64, err error)
	Data   func() []byte
	Counts func() Counts
	Keys   func() []string
	Drop   func()
}

// SinkOptions say how a sink is used: Concurrent if goroutines share it
// (peers that need a lock only then take one), Keep if the destination
// must keep the bytes for a test to compare.
type SinkOptions struct {
	Concurrent, Keep bool
}

// A HotPeer is a contender of the hot-path scenario (scenario 1).
type HotPeer struct {
	Name string
	Open func(SinkOptions) (Sink, error) // a fresh sink
}

// HotPeers are scenario 1's contenders, the floor first and ossappend's
// rows last. Their destinations cost nothing: a counting Discard, or the
// Instant client.
func HotPeers() []HotPeer {
	return []HotPeer{
		{"bufio.Writer → discard (floor)", openBufio},
		{"zap BufferedWriteSyncer → discard", openZapDiscard},
		{"ossappend → instant", openOurs(false)},
		{hotLayout, openOursLayout}, // right after ours, whose figure it should match
		{"ossappend → instant, OSS CRC", openOurs(true)},
		{hotSpool, openOursSpool}, // last: the slowest, and the only one with files
	}
}

// Names of scenario 1's rows that the targets compare with ours.
const (
	hotSpool  = "ossappend → instant, spool"
	hotLayout = "ossappend → instant, key layout"
)

// HotLayout is the key layout of the key layout peer: a period of an hour,
// the check Write would make at most once a period.
const HotLayout = "logs/dt=%Y-%m-%d/hour=%H/{host}.log"

// openBufio is a bufio.Writer of the default size, behind a mutex only if
// goroutines share it.
func openBufio(o SinkOptions) (Sink, error) {
	d := &Discard{Keep: o.Keep}
	bw := bufio.NewWriter(d)
	var w io.Writer = bw
	if o.Concurrent {
		w = &lockedWriter{w: bw}
	}
	return Sink{W: w, Data: d.Data, Finish: func() (int64, error) {
		err := bw.Flush()
		return d.Len(), err
	}}, nil
}

// openZapDiscard is zap's BufferedWriteSyncer with the settings of
// scenario 2 (256 KiB, 1 s) in front of a discarding WriteSyncer.
func openZapDiscard(o SinkOptions) (Sink, error) {
	d := &Discard{Keep: o.Keep}
	z := &zapcore.BufferedWriteSyncer{WS: d, Size: 256 << 10, FlushInterval: time.Second}
	return Sink{W: z, Data: d.Data, Finish: func() (int64, error) {
		err := z.Stop()
		return d.Len(), err
	}}, nil
}

// openOurs is an ossappend.Writer with default options into an Instant
// client that answers the CRC-64 or not.
func openOurs(crc bool) func(SinkOptions) (Sink, error) {
	return func(o SinkOptions) (Sink, error) { return openWriter(o, crc, "hot.log") }
}

// openOursSpool is openOurs (no CRC) with a spool in a fresh temporary
// directory, which Drop removes.
func openOursSpool(o SinkOptions) (Sink, error) {
	dir, err := os.MkdirTemp("", "ossbench-spool-")
	if err != nil {
		return Sink{}, err
	}
	s, err := openWriter(o, false, "hot.log", ossappend.WithSpool(dir))
	if err != nil {
		os.RemoveAll(dir)
		return Sink{}, err
	}
	closeWriter := s.Drop
	s.Drop = func() {
		closeWriter()
		os.RemoveAll(dir)
	}
	return s, nil
}

// openOursLayout is openOurs (no CRC) with the key layout HotLayout.
func openOursLayout(o SinkOptions) (Sink, error) {
	return openWriter(o, false, HotLayout, ossappend.WithKeyLayout())
}

// openWriter is an ossappend.Writer on key with opts into an Instant
// client that answers the CRC-64 or not.
func openWriter(o SinkOptions, crc bool, key string, opts ...ossappend.Option) (Sink, error) {
	c := &Instant{CRC: crc, Keep: o.Keep}
	w, err := ossappend.NewWriter(context.Background(), c, "bench", key, opts...)
	if err != nil {
		return Sink{}, err
	}
	return Sink{W: w, Data: c.Data, Counts: func() Counts { return countsOf(w) }, Keys: c.Keys,
		Finish: func() (int64, error) {
			err := w.Close()
			return c.Size(), err
		},
		Drop: func() { w.Close() }, // after Finish, Close returns at once
	}, nil
}

// hotChunks are the writes of the hot path: the workload's text cut into
// HotWriteSize pieces; a power of two of them, to cycle with a mask.
var hotChunks = sync.OnceValue(func() [][]byte {
	const n = 1 << 13
	text := NewWorkload(DefaultSeed).Text(n * HotWriteSize)
	chunks := make([][]byte, n)
	for i := range chunks {
		chunks[i] = text[i*HotWriteSize : (i+1)*HotWriteSize : (i+1)*HotWriteSize]
	}
	return chunks
})

// HotPath returns the benchmark of peer p with goroutines writers: b.N
// writes of HotWriteSize bytes in all, then Finish, all timed; it fails if
// the destination did not get every byte.
func HotPath(p HotPeer, goroutines int) func(b *testing.B) { return hotPath(p, goroutines, nil) }

// hotPath is HotPath that also leaves the sink's Counts of each run, if it
// has them, in counts.
func hotPath(p HotPeer, goroutines int, counts *Counts) func(b *testing.B) {
	chunks := hotChunks()
	mask := len(chunks) - 1
	return func(b *testing.B) {
		s, err := p.Open(SinkOptions{Concurrent: goroutines > 1})
		if err != nil {
			b.Fatal(err)
		}
		if s.Drop != nil {
			defer s.Drop() // after the clock stops, even after b.Fatal
		}
		b.SetBytes(HotWriteSize)
		b.ReportAllocs()
		b.ResetTimer()
		if goroutines <= 1 {
			for i := range b.N {
				if _, err := s.W.Write(chunks[i&mask]); err != nil {
					b.Fatal(err)
				}
			}
		} else {
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((goroutines + procs - 1) / procs)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := s.W.Write(chunks[i&mask]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		}
		stored, err := s.Finish()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if counts != nil && s.Counts != nil {
			*counts = s.Counts()
		}
		if want := int64(b.N) * HotWriteSize; stored != want {
			b.Fatal(fmt.Errorf("%s stored %d bytes, want %d", p.Name, stored, want))
		}
	}
}
