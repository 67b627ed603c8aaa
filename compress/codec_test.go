package compress_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/ossappend/ossappend/compress"
)

func codecs() []compress.Codec {
	return []compress.Codec{
		compress.None(),
		compress.Gzip(compress.DefaultGzipLevel),
		compress.Gzip(1),
		compress.Zstd(compress.DefaultZstdLevel),
		compress.Zstd(1),
		compress.Zstd(19),
		compress.S2(),
	}
}

// logText returns n bytes of varied, line-structured text, deterministic
// from seed: close to what the writer compresses in practice.
func logText(seed int64, n int) []byte {
	rng := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	levels := []string{"INFO", "WARN", "ERROR", "DEBUG"}
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"time":"2026-11-25T16:%02d:%02d.%06dZ","level":%q,"msg":"request %d","user":%d,"latency_ms":%.3f}`+"\n",
			i/60%60, i%60, rng.Intn(1e6), levels[rng.Intn(len(levels))], i, rng.Intn(5000), rng.Float64()*100)
	}
	return b.Bytes()[:n]
}

// encodeFrames splits src at the given cut points and encodes each piece
// as one frame, the way the writer builds an object.
func encodeFrames(t testing.TB, c compress.Codec, src []byte, cuts []int) []byte {
	t.Helper()
	var out []byte
	prev := 0
	for _, cut := range append(cuts, len(src)) {
		var err error
		out, err = c.Encode(out, src[prev:cut])
		if err != nil {
			t.Fatalf("%s: Encode: %v", c.Name(), err)
		}
		prev = cut
	}
	return out
}

func decodeAll(t testing.TB, obj []byte) []byte {
	t.Helper()
	r := compress.NewReader(bytes.NewReader(obj))
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	src := logText(1, 3<<20)
	cases := []struct {
		name string
		cuts []int
	}{
		{"one frame", nil},
		{"many frames", []int{1, 100, 65536, 65537, 1 << 20, 2 << 20}},
		{"empty frames between", []int{10, 10, 10, 5000, 5000}},
	}
	for _, c := range codecs() {
		for _, tc := range cases {
			t.Run(c.Name()+"/"+tc.name, func(t *testing.T) {
				obj := encodeFrames(t, c, src, tc.cuts)
				if got := decodeAll(t, obj); !bytes.Equal(got, src) {
					t.Fatalf("decoded %d bytes, want %d equal to the input", len(got), len(src))
				}
				if want := c.Name(); compress.Detect(obj) != want {
					t.Fatalf("Detect = %q, want %q", compress.Detect(obj), want)
				}
			})
		}
	}
}

func TestEmptyObject(t *testing.T) {
	if got := decodeAll(t, nil); len(got) != 0 {
		t.Fatalf("empty object decoded to %d bytes", len(got))
	}
	for _, c := range codecs() {
		out, err := c.Encode([]byte("keep"), nil)
		if err != nil || string(out) != "keep" {
			t.Errorf("%s: Encode(dst, nil) = %q, %v; want dst unchanged", c.Name(), out, err)
		}
	}
}

func TestEncodeAppendsToDst(t *testing.T) {
	for _, c := range codecs() {
		prefix := []byte("prefix")
		out, err := c.Encode(append([]byte(nil), prefix...), []byte("hello, frame"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, prefix) {
			t.Errorf("%s: Encode did not append after dst's bytes", c.Name())
		}
		if got := decodeAll(t, out[len(prefix):]); string(got) != "hello, frame" {
			t.Errorf("%s: decoded %q", c.Name(), got)
		}
	}
}

func TestInvalidLevels(t *testing.T) {
	for _, c := range []compress.Codec{compress.Gzip(10), compress.Gzip(-4), compress.Zstd(-1), compress.Zstd(23)} {
		if err := compress.Validate(c); !errors.Is(err, compress.ErrInvalidLevel) {
			t.Errorf("%s: Validate = %v, want ErrInvalidLevel", c.Name(), err)
		}
		if _, err := c.Encode(nil, []byte("x")); !errors.Is(err, compress.ErrInvalidLevel) {
			t.Errorf("%s: Encode = %v, want ErrInvalidLevel", c.Name(), err)
		}
	}
	if err := compress.Validate(nil); err == nil {
		t.Error("Validate(nil) = nil, want an error")
	}
	for _, c := range codecs() {
		if err := compress.Validate(c); err != nil {
			t.Errorf("%s: Validate = %v", c.Name(), err)
		}
	}
}

func TestByNameAndExtension(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"none", "none"}, {"", "none"}, {"gzip", "gzip"}, {"gz", "gzip"}, {"zstd", "zstd"}, {"zst", "zstd"}, {"s2", "s2"},
	} {
		c, err := compress.ByName(tc.in)
		if err != nil || c.Name() != tc.want {
			t.Errorf("ByName(%q) = %v, %v; want %s", tc.in, c, err, tc.want)
		}
	}
	if _, err := compress.ByName("lz4"); err == nil || !strings.Contains(err.Error(), "lz4") {
		t.Errorf("ByName(lz4) = %v, want an error naming it", err)
	}
	for _, tc := range []struct{ key, want string }{
		{"logs/app.log.zst", "zstd"}, {"app.log.gz", "gzip"}, {"a.s2", "s2"}, {"app.log", "none"}, {".zst", "none"}, {"zst", "none"},
	} {
		if got := compress.ByExtension(tc.key).Name(); got != tc.want {
			t.Errorf("ByExtension(%q) = %s, want %s", tc.key, got, tc.want)
		}
	}
}

func TestConcurrentEncode(t *testing.T) {
	src := logText(2, 256<<10)
	for _, c := range codecs() {
		var wg sync.WaitGroup
		outs := make([][]byte, 8)
		for i := range outs {
			wg.Go(func() {
				out, err := c.Encode(nil, src[i*1000:])
				if err != nil {
					t.Error(err)
				}
				outs[i] = out
			})
		}
		wg.Wait()
		for i, out := range outs {
			if got := decodeAll(t, out); !bytes.Equal(got, src[i*1000:]) {
				t.Errorf("%s: goroutine %d's frame decoded wrong", c.Name(), i)
			}
		}
	}
}

// TestStandardTools checks that multi-frame objects decode with the gzip
// and zstd commands, the way users will read them. It skips a tool that is
// not installed.
func TestStandardTools(t *testing.T) {
	src := logText(3, 1<<20)
	for _, tc := range []struct {
		codec compress.Codec
		cmd   []string
	}{
		{compress.Gzip(compress.DefaultGzipLevel), []string{"gzip", "-dc"}},
		{compress.Zstd(compress.DefaultZstdLevel), []string{"zstd", "-dc"}},
	} {
		t.Run(tc.cmd[0], func(t *testing.T) {
			if _, err := exec.LookPath(tc.cmd[0]); err != nil {
				if os.Getenv("OSSAPPEND_CI") == "1" {
					t.Fatalf("OSSAPPEND_CI=1, but %s is not installed", tc.cmd[0])
				}
				t.Skipf("%s not installed (with OSSAPPEND_CI=1 this fails)", tc.cmd[0])
			}
			obj := encodeFrames(t, tc.codec, src, []int{1000, 300000, 300001, 700000})
			cmd := exec.Command(tc.cmd[0], tc.cmd[1:]...)
			cmd.Stdin = bytes.NewReader(obj)
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v", tc.cmd, err)
			}
			if !bytes.Equal(got, src) {
				t.Fatalf("%v decoded %d bytes, want %d equal to the input", tc.cmd, len(got), len(src))
			}
		})
	}
}

func TestEncodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector empties sync.Pools at random")
	}
	src := logText(4, 1<<20)
	for _, c := range codecs() {
		dst := make([]byte, 0, 2<<20)
		for range 3 { // warm the pools
			dst, _ = c.Encode(dst[:0], src)
		}
		allocs := testing.AllocsPerRun(20, func() {
			dst, _ = c.Encode(dst[:0], src)
		})
		// sync.Pool may drop an entry across a GC; allow a fraction.
		if allocs >= 1 {
			t.Errorf("%s: %.1f allocations per Encode, want 0 in steady state", c.Name(), allocs)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	src := logText(5, 4<<20)
	for _, c := range codecs() {
		b.Run(c.Name(), func(b *testing.B) {
			dst := make([]byte, 0, len(src)+len(src)/8)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = c.Encode(dst[:0], src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(src))/float64(len(dst)), "ratio")
		})
	}
}

// fuzzCodecs are built once: a zstd encoder is expensive to make. None is
// left out (it cannot round-trip input that opens with a magic number), and
// so are the slow levels, to keep the fuzzer's pace.
var fuzzCodecs = []compress.Codec{compress.Gzip(1), compress.Zstd(1), compress.Zstd(compress.DefaultZstdLevel), compress.S2()}

// FuzzRoundTrip cuts arbitrary input at arbitrary frame boundaries,
// encodes each piece with each codec, and checks that the concatenation
// decodes to the input.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), []byte{3, 0, 7})
	f.Add(logText(6, 5000), []byte{200, 1, 255, 17})
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0x1f, 0x8b, 0x28, 0xb5, 0x2f, 0xfd}, []byte{1})
	f.Fuzz(func(t *testing.T, data, cutBytes []byte) {
		var cuts []int
		pos := 0
		for _, c := range cutBytes {
			pos += int(c)
			if pos > len(data) {
				break
			}
			cuts = append(cuts, pos)
		}
		for _, c := range fuzzCodecs {
			obj := encodeFrames(t, c, data, cuts)
			if got := decodeAll(t, obj); !bytes.Equal(got, data) {
				t.Fatalf("%s: decoded %q, want %q", c.Name(), got, data)
			}
		}
	})
}
