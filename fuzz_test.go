package ossappend_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/retry"
)

// FuzzWriter writes arbitrary data in arbitrary pieces, some through
// ReadFrom, to a memClient that fails requests on an arbitrary schedule
// (503 before applying, or a lost response after applying), with an
// arbitrary frame size and object size limit. Whatever happens, the objects
// must end up holding exactly the data, in order.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("hello, world\nsecond line\n"), []byte{3, 5, 200}, []byte{0, 1, 2, 9, 9, 1}, uint16(7), uint16(0))
	f.Add(bytes.Repeat([]byte("abcdefgh"), 300), []byte{255, 1, 17, 64}, []byte{1, 1, 1, 0, 0}, uint16(100), uint16(250))
	f.Add([]byte{}, []byte{}, []byte{}, uint16(1), uint16(1))
	f.Fuzz(func(t *testing.T, data, sizes, faults []byte, flushSize, maxObject uint16) {
		size := int(flushSize%512) + 1
		limit := int64(size) + int64(maxObject) // at least one frame per object
		c := newMemClient(memBucket)
		w, err := ossappend.NewWriter(context.Background(), c, memBucket, "fuzz.log",
			ossappend.WithFlushSize(size), ossappend.WithMaxObjectSize(limit), ossappend.WithFlushInterval(0),
			ossappend.WithMaxInflight(2),
			ossappend.WithRetry(retry.Policy{MinBackoff: time.Microsecond, MaxBackoff: time.Microsecond}))
		if err != nil {
			t.Fatal(err)
		}
		// Faults start once the writer is open: NewWriter's HeadObject is
		// the SDK's to retry.
		c.setFault(func(op string) memFault { // runs under the client's lock
			if len(faults) == 0 {
				return memOK
			}
			b := faults[0]
			faults = faults[1:]
			switch b % 4 {
			case 0:
				return memUnavailable
			case 1:
				return memLost
			}
			return memOK
		})
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(sizes) > 0 {
				n = min(n, int(sizes[i%len(sizes)])+1)
			}
			var err error
			if i%3 == 2 {
				_, err = io.Copy(w, &chunkReader{data: rest[:n], chunk: n/2 + 1})
			} else {
				_, err = w.Write(rest[:n])
			}
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		var got []byte
		for seq := 0; ; seq++ {
			key := "fuzz.log"
			if seq > 0 {
				key = rotated(key, seq)
			}
			obj, ok := c.object(key)
			if !ok {
				break
			}
			if int64(len(obj)) > limit {
				t.Fatalf("%s has %d bytes, over the limit %d", key, len(obj), limit)
			}
			got = append(got, obj...)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("objects hold %q, want %q", got, data)
		}
		if st := w.Stats(); st.Pending != 0 || st.BytesStored != int64(len(data)) {
			t.Fatalf("stats %+v for %d bytes", st, len(data))
		}
	})
}
