package bench

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// BenchmarkHotPath is scenario 1: go test -bench HotPath ./bench
func BenchmarkHotPath(b *testing.B) {
	for _, g := range []int{1, 8} {
		for _, p := range HotPeers() {
			b.Run(fmt.Sprintf("g=%d/%s", g, p.Name), HotPath(p, g))
		}
	}
}

// BenchmarkWritesOnly times the Write calls of ossappend's rows of
// scenario 1 alone, from one goroutine: the final Close is not timed, so
// what the spool's pipeline (reading frames back, recording and removing
// them) has not done by then does not count, and Write waits only for
// what it needs itself. A spooled writer's Writes wait once the spool
// holds DefaultSpoolLimit (1 GiB), so keep b.N × 128 bytes below it:
//
//	go test -run '^$' -bench WritesOnly -benchtime 2000000x ./bench
func BenchmarkWritesOnly(b *testing.B) {
	chunks := hotChunks()
	mask := len(chunks) - 1
	for _, p := range HotPeers() {
		if !strings.HasPrefix(p.Name, "ossappend") {
			continue
		}
		b.Run(p.Name, func(b *testing.B) {
			s, err := p.Open(SinkOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Drop()
			b.SetBytes(HotWriteSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.W.Write(chunks[i&mask]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if stored, err := s.Finish(); err != nil || stored != int64(b.N)*HotWriteSize {
				b.Fatalf("stored %d bytes of %d (%v)", stored, int64(b.N)*HotWriteSize, err)
			}
		})
	}
}

// TestHotPeersStoreEveryWrite writes numbered 128-byte chunks into every
// peer of scenario 1, from one goroutine and from eight, and checks that
// the destination holds exactly those chunks: in order from one goroutine,
// each once from eight (each write lands whole in every peer).
func TestHotPeersStoreEveryWrite(t *testing.T) {
	const total = 40000 // 5 MiB: past bufio's, zap's and ossappend's buffers
	for _, g := range []int{1, 8} {
		perG := total / g
		for _, p := range HotPeers() {
			t.Run(fmt.Sprintf("g=%d/%s", g, p.Name), func(t *testing.T) {
				s, err := p.Open(SinkOptions{Concurrent: g > 1, Keep: true})
				if err != nil {
					t.Fatal(err)
				}
				if s.Drop != nil {
					defer s.Drop()
				}
				var wg sync.WaitGroup
				for i := range g {
					wg.Go(func() {
						for j := range perG {
							if _, err := s.W.Write(chunk(i, j)); err != nil {
								t.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				stored, err := s.Finish()
				if err != nil {
					t.Fatal(err)
				}
				if p.Name == hotLayout {
					if keys := s.Keys(); len(keys) == 0 || !strings.HasPrefix(keys[0], "logs/dt=") || strings.ContainsAny(keys[0], "%{}") {
						t.Fatalf("the layout peer wrote %q, not keys its layout names", keys)
					}
				}
				data := s.Data()
				if want := int64(g * perG * HotWriteSize); stored != want || int64(len(data)) != want {
					t.Fatalf("stored %d bytes (kept %d), want %d", stored, len(data), want)
				}
				next := make([]int, g) // the next chunk expected of each goroutine
				for off := 0; off < len(data); off += HotWriteSize {
					i, err1 := strconv.Atoi(strings.TrimSpace(string(data[off : off+3])))
					j, err2 := strconv.Atoi(strings.TrimSpace(string(data[off+4 : off+15])))
					if err1 != nil || err2 != nil || i >= g || j != next[i] {
						t.Fatalf("chunk at %d is %.16q: lost, doubled, torn or out of order", off, data[off:off+16])
					}
					if !bytes.Equal(data[off:off+HotWriteSize], chunk(i, j)) {
						t.Fatalf("chunk at %d is corrupt", off)
					}
					next[i]++
				}
			})
		}
	}
}

// chunk is write j of goroutine i: its numbers, then padding, 128 bytes.
func chunk(i, j int) []byte {
	c := []byte(fmt.Sprintf("%3d %11d ", i, j))
	c = append(c, bytes.Repeat([]byte{'a' + byte(j%26)}, HotWriteSize-len(c)-1)...)
	return append(c, '\n')
}
