package spool

import "testing"

const benchFrame = 4 << 20

// benchPaths runs f for each path, and for "heap": no spool, the copy into
// a reused buffer that a writer without one does.
func benchPaths(b *testing.B, f func(b *testing.B, s *Spool)) {
	b.Run("heap", func(b *testing.B) { f(b, nil) })
	for _, p := range paths() {
		b.Run(p.name, func(b *testing.B) {
			o := Options{Dir: b.TempDir(), Identity: testID, FrameSize: benchFrame}
			p.opts(&o)
			f(b, mustOpen(b, o))
		})
	}
}

// frameBuf is a frame to fill: a spool's, or a heap buffer.
type frameBuf struct {
	s   *Spool
	f   *Filling
	buf []byte
}

func (fb *frameBuf) next(b *testing.B) {
	if fb.s == nil {
		if fb.buf == nil {
			fb.buf = make([]byte, 0, benchFrame)
		}
		fb.buf = fb.buf[:0]
		return
	}
	if fb.f != nil {
		if err := fb.f.Finish(); err != nil {
			b.Fatal(err)
		}
		if err := fb.s.Remove(fb.f.ID); err != nil {
			b.Fatal(err)
		}
	}
	f, err := fb.s.Create("k")
	if err != nil {
		b.Fatal(err)
	}
	fb.f, fb.buf = f, f.Buf
}

func (fb *frameBuf) commit(b *testing.B) {
	if fb.f != nil {
		if err := fb.f.Commit(fb.buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommit128 is a Write of 128 bytes: append and Commit, with a
// new frame every 4 MiB (its cost, page faults included, spread over the
// writes).
func BenchmarkCommit128(b *testing.B) { benchCommit128(b, false) }

// BenchmarkCommit128Only is BenchmarkCommit128 with the clock stopped
// while a frame is finished and the next created: the append and the
// Commit alone.
func BenchmarkCommit128Only(b *testing.B) { benchCommit128(b, true) }

func benchCommit128(b *testing.B, onlyCommits bool) {
	benchPaths(b, func(b *testing.B, s *Spool) {
		rec := pattern(1, 0, 128)
		fb := &frameBuf{s: s}
		fb.next(b)
		b.SetBytes(128)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if len(fb.buf)+len(rec) > benchFrame {
				if onlyCommits {
					b.StopTimer()
				}
				fb.next(b)
				if onlyCommits {
					b.StartTimer()
				}
			}
			fb.buf = append(fb.buf, rec...)
			fb.commit(b)
		}
	})
}

// BenchmarkFrame4MiB fills a 4 MiB frame with writes of 64 KiB: Create,
// the appends and Commits, Finish, Remove.
func BenchmarkFrame4MiB(b *testing.B) {
	benchPaths(b, func(b *testing.B, s *Spool) {
		chunk := pattern(2, 0, 64<<10)
		fb := &frameBuf{s: s}
		b.SetBytes(benchFrame)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			fb.next(b)
			for len(fb.buf) < benchFrame {
				fb.buf = append(fb.buf, chunk...)
				fb.commit(b)
			}
		}
	})
}

// BenchmarkCreateFinish is the cost of a frame's file: Create, Finish and
// Remove of a 4 MiB frame left empty.
func BenchmarkCreateFinish(b *testing.B) {
	for _, p := range paths() {
		b.Run(p.name, func(b *testing.B) {
			o := Options{Dir: b.TempDir(), Identity: testID, FrameSize: benchFrame}
			p.opts(&o)
			s := mustOpen(b, o)
			b.ReportAllocs()
			for range b.N {
				f, err := s.Create("k")
				if err != nil {
					b.Fatal(err)
				}
				f.Finish()
				s.Remove(f.ID)
			}
		})
	}
}

// BenchmarkRead4MiB reads a finished 4 MiB frame back, verified.
func BenchmarkRead4MiB(b *testing.B) {
	for _, p := range paths() {
		b.Run(p.name, func(b *testing.B) {
			o := Options{Dir: b.TempDir(), Identity: testID, FrameSize: benchFrame}
			p.opts(&o)
			s := mustOpen(b, o)
			id := finished(b, s, "k", pattern(3, 0, benchFrame), benchFrame, 0)
			dst := make([]byte, 0, benchFrame)
			b.SetBytes(benchFrame)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var err error
				if dst, err = s.Read(id, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
