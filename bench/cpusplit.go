package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"time"
)

// The process's CPU time counts everything that runs in it; scenario 2's
// peers share the process with osstest and the garbage collector, which
// take most of it and move it from run to run. A cpuSplit tells the
// peer's own part: the goroutines a function starts, and theirs, carry a
// profiler label, and the CPU profile's samples are summed by it. The
// goroutines of the osstest server, which its accept loop starts, and the
// garbage collector's background workers carry none.

// cpuLabel is the label of the measured side's goroutines.
const cpuLabel, cpuLabelValue = "bench-side", "client"

// cpuSplit is a CPU profile under way, or nil if one could not start (the
// command's own -cpuprofile is running).
type cpuSplit struct{ buf bytes.Buffer }

// startCPUSplit starts the CPU profile, or returns nil.
func startCPUSplit() *cpuSplit {
	s := new(cpuSplit)
	if pprof.StartCPUProfile(&s.buf) != nil {
		return nil
	}
	return s
}

// labeled runs fn with the measured side's label on its goroutine and on
// every goroutine it starts.
func labeled(fn func(ctx context.Context)) {
	pprof.Do(context.Background(), pprof.Labels(cpuLabel, cpuLabelValue), fn)
}

// stop stops the profile and returns the CPU time of the labeled
// goroutines and of the rest.
func (s *cpuSplit) stop() (side, rest time.Duration, err error) {
	if s == nil {
		return 0, 0, errors.New("no CPU profile")
	}
	pprof.StopCPUProfile()
	return cpuByLabel(s.buf.Bytes(), cpuLabel, cpuLabelValue)
}

// cpuByLabel sums the CPU time of a CPU profile (runtime/pprof's gzipped
// protocol buffer) over the samples with the label key=value, and over
// the others. It reads the few fields it needs: Profile.sample (2) with
// Sample.value (2: count, nanoseconds) and Sample.label (3: Label.key 1
// and Label.str 2, indexes into) Profile.string_table (6).
func cpuByLabel(gz []byte, key, value string) (side, rest time.Duration, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, 0, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return 0, 0, err
	}
	var samples [][]byte
	var strs []string
	err = protoFields(raw, func(field int, v uint64, b []byte) error {
		switch field {
		case 2:
			samples = append(samples, b)
		case 6:
			strs = append(strs, string(b))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(strs) {
			return ""
		}
		return strs[i]
	}
	for _, smp := range samples {
		var values []int64
		match := false
		err := protoFields(smp, func(field int, v uint64, b []byte) error {
			switch field {
			case 2:
				if b == nil { // one value, not packed
					values = append(values, int64(v))
					return nil
				}
				for len(b) > 0 {
					x, n := binary.Uvarint(b)
					if n <= 0 {
						return errors.New("bad packed value")
					}
					values = append(values, int64(x))
					b = b[n:]
				}
			case 3:
				var k, s int64
				if err := protoFields(b, func(f int, v uint64, _ []byte) error {
					switch f {
					case 1:
						k = int64(v)
					case 2:
						s = int64(v)
					}
					return nil
				}); err != nil {
					return err
				}
				if str(k) == key && str(s) == value {
					match = true
				}
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
		if len(values) < 2 {
			return 0, 0, fmt.Errorf("a sample has %d values, want a count and nanoseconds", len(values))
		}
		if match {
			side += time.Duration(values[1])
		} else {
			rest += time.Duration(values[1])
		}
	}
	return side, rest, nil
}

// protoFields calls fn with each field of the protocol buffer message b:
// its number, and its value (varint) or its bytes (length-delimited; nil
// for a varint). Fixed-size fields are skipped.
func protoFields(b []byte, fn func(field int, v uint64, b []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field tag")
		}
		b = b[n:]
		field, wire := int(tag>>3), tag&7
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
			if err := fn(field, v, nil); err != nil {
				return err
			}
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			if err := fn(field, 0, b[n:n+int(l)]); err != nil {
				return err
			}
			b = b[n+int(l):]
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			b = b[4:]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
	}
	return nil
}
