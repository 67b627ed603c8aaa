package compress_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ossappend/ossappend/compress"
)

// TestReaderReturnsEachFrame feeds NewReader one frame at a time through a
// pipe, as a followed object grows, and checks that each frame's lines come
// out before the next frame is written.
func TestReaderReturnsEachFrame(t *testing.T) {
	for _, c := range codecs() {
		t.Run(c.Name(), func(t *testing.T) {
			pr, pw := io.Pipe()
			r := compress.NewReader(pr)
			defer r.Close()
			lines := make(chan string)
			done := make(chan error, 1)
			go func() {
				br := bufio.NewReader(r)
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						done <- err
						return
					}
					lines <- l
				}
			}()
			for i := range 3 {
				line := fmt.Sprintf("f%d\n", i) // shorter than any magic number
				frame, err := c.Encode(nil, []byte(line))
				if err != nil {
					t.Fatal(err)
				}
				go pw.Write(frame)
				select {
				case got := <-lines:
					if got != line {
						t.Fatalf("got %q, want %q", got, line)
					}
				case err := <-done:
					t.Fatalf("reader stopped: %v", err)
				case <-time.After(20 * time.Second): // only if the frame is held back
					t.Fatalf("frame %d not decoded before the next one arrived", i)
				}
			}
			pw.Close()
			if err := <-done; err != io.EOF {
				t.Fatalf("reader ended with %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderShortAndOddInputs(t *testing.T) {
	for _, s := range []string{"", "a", "\x1f", "\xff\x06\x00", "\x28\xb5"} {
		r := compress.NewReader(strings.NewReader(s))
		got, err := io.ReadAll(r)
		if err != nil || string(got) != s {
			t.Errorf("decode %q = %q, %v; want it passed through", s, got, err)
		}
	}
	r := compress.NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 8, 0, 0}))
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("a torn gzip header decoded with %v, want a gzip error", err)
	}
	r.Close()
	if _, err := r.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}
