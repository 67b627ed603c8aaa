package bench

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/ossappend/ossappend/compress"
)

// decode returns the bytes an object holds once its frames are decoded;
// an uncompressed object is returned as it is.
func decode(obj []byte) ([]byte, error) {
	r := compress.NewReader(bytes.NewReader(obj))
	defer r.Close()
	return io.ReadAll(r)
}

// checkLines checks that text is exactly the workload lines numbered 0 to
// lines-1, in order, each once, and bytes long: what a peer was given.
func checkLines(text []byte, lines, size int64) error {
	if int64(len(text)) != size {
		return fmt.Errorf("object holds %d bytes, %d were logged", len(text), size)
	}
	key := []byte(`"seq":`)
	var next int64
	for len(text) > 0 {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			return fmt.Errorf("line %d is cut short", next)
		}
		line := text[:end]
		text = text[end+1:]
		i := bytes.Index(line, key)
		if i < 0 {
			return fmt.Errorf("line %d has no seq: %.80q", next, line)
		}
		digits := line[i+len(key):]
		j := bytes.IndexByte(digits, ',')
		if j < 0 {
			return fmt.Errorf("line %d: bad seq: %.80q", next, line)
		}
		seq, err := strconv.ParseInt(string(digits[:j]), 10, 64)
		if err != nil || seq != next {
			return fmt.Errorf("line %d holds seq %s: lines lost, doubled or out of order", next, digits[:j])
		}
		next++
	}
	if next != lines {
		return fmt.Errorf("object holds %d lines, %d were logged", next, lines)
	}
	return nil
}

// countingWriter counts the bytes that pass through it to w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
