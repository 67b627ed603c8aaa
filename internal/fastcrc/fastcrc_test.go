package fastcrc

import (
	"hash/crc64"
	"math/rand"
	"testing"
)

// TestUpdate compares Update with hash/crc64 at every length around the
// fast path's edges, at every alignment and from several CRCs.
func TestUpdate(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	buf := make([]byte, 4096+64)
	r.Read(buf)
	for n := 0; n <= 1100; n++ {
		for _, off := range []int{0, 1, 7, 8, 15} {
			p := buf[off : off+n]
			for _, c := range []uint64{0, 1, ^uint64(0), 0xdeadbeef12345678} {
				if got, want := Update(c, p), crc64.Update(c, table, p); got != want {
					t.Fatalf("%d bytes at %d from %x: %x, hash/crc64 says %x", n, off, c, got, want)
				}
			}
		}
	}
	big := make([]byte, 4<<20+13)
	r.Read(big)
	if got, want := Checksum(big), crc64.Checksum(big, table); got != want {
		t.Fatalf("4 MiB: %x, hash/crc64 says %x", got, want)
	}
	if Checksum([]byte("123456789")) != 0x995dc9bbdf1939fa {
		t.Fatal("the check value of CRC-64/XZ is wrong")
	}
}

// TestSplit checks that a checksum taken in pieces is the checksum of the
// whole.
func TestSplit(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	p := make([]byte, 10000)
	r.Read(p)
	want := crc64.Checksum(p, table)
	for range 200 {
		i, j := r.Intn(len(p)), r.Intn(len(p))
		i, j = min(i, j), max(i, j)
		if got := Update(Update(Checksum(p[:i]), p[i:j]), p[j:]); got != want {
			t.Fatalf("split at %d and %d: %x, want %x", i, j, got, want)
		}
	}
}

// TestCombine checks Combine against the checksum of the whole.
func TestCombine(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	p := make([]byte, 1<<16)
	r.Read(p)
	for range 300 {
		i := r.Intn(len(p) + 1)
		a, b := p[:i], p[i:]
		if got, want := Combine(Checksum(a), Checksum(b), uint64(len(b))), Checksum(p); got != want {
			t.Fatalf("split at %d: %x, want %x", i, got, want)
		}
	}
	if got := Combine(0x1234, 0x5678, 0); got != 0x1234^0x5678 {
		t.Fatalf("combined with nothing: %x", got)
	}
}

func BenchmarkCombine(b *testing.B) {
	for range b.N {
		Combine(0x1234, 0x5678, 4<<20+12345)
	}
}

func FuzzUpdate(f *testing.F) {
	f.Add(uint64(0), make([]byte, 300))
	f.Fuzz(func(t *testing.T, c uint64, p []byte) {
		if got, want := Update(c, p), crc64.Update(c, table, p); got != want {
			t.Fatalf("%d bytes from %x: %x, hash/crc64 says %x", len(p), c, got, want)
		}
	})
}

func TestNoAllocs(t *testing.T) {
	p := make([]byte, 1<<20)
	if n := testing.AllocsPerRun(10, func() { Checksum(p) }); n != 0 {
		t.Fatalf("%v allocations per checksum", n)
	}
}

func BenchmarkChecksum(b *testing.B) {
	for _, size := range []int{256, 64 << 10, 4 << 20} {
		p := make([]byte, size)
		b.Run(byteSize(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for range b.N {
				Checksum(p)
			}
		})
		b.Run(byteSize(size)+"/hash-crc64", func(b *testing.B) {
			b.SetBytes(int64(size))
			for range b.N {
				crc64.Checksum(p, table)
			}
		})
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return itoa(n>>20) + "MiB"
	case n >= 1<<10:
		return itoa(n>>10) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
