package ossappend_test

// Tests of key layouts: objects named by time and source, one chain per
// period, through osstest and the real SDK, with a clock the test moves.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// TestLayoutPutsEachLineInItsPeriod: lines written across several hours
// and a day land in their periods' objects, exactly once and in order,
// each object decodable alone, with appends failing now and then.
func TestLayoutPutsEachLineInItsPeriod(t *testing.T) {
	faults := []osstest.Fault{
		{Op: "AppendObject", Kind: osstest.FaultDropResponse, Probability: 0.2},
		{Op: "AppendObject", Kind: osstest.FaultResetMidBody, Probability: 0.1},
		{Op: "HeadObject", Kind: osstest.FaultError503, Probability: 0.1},
	}
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			clock := newFakeClock(time.Date(2026, 11, 30, 22, 58, 0, 0, time.UTC))
			layout := "logs/dt=%Y-%m-%d/hour=%H/app.log" + codec.Extension()
			w := newWriter(t, srv.Client(), layout, ossappend.WithKeyLayout(), ossappend.WithClock(clock),
				ossappend.WithCodec(codec), ossappend.WithFlushSize(4<<10), ossappend.WithFlushInterval(0))
			if w.Key() != "logs/dt=2026-11-30/hour=22/app.log"+codec.Extension() {
				t.Fatalf("Key = %s", w.Key())
			}
			srv.SetFaults(5, faults...)
			want := map[string]*bytes.Buffer{} // period's key → its lines
			for i := range 3000 {
				if i%100 == 99 {
					clock.Advance(150 * time.Second) // 30 steps: past 23:00 and midnight
				}
				now := clock.Now()
				key := fmt.Sprintf("logs/dt=%s/hour=%02d/app.log%s", now.Format("2006-01-02"), now.Hour(), codec.Extension())
				line := numberedLine(0, i)
				if want[key] == nil {
					want[key] = new(bytes.Buffer)
				}
				want[key].WriteString(line)
				if _, err := w.WriteString(line); err != nil {
					t.Fatal(err)
				}
				if i%100 == 0 {
					if err := w.Flush(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if len(want) != 3 {
				t.Fatalf("the test wrote into %d periods, want 3", len(want))
			}
			for key, lines := range want {
				obj, ok := srv.Object(bucket, key)
				if !ok {
					t.Fatalf("no object %s", key)
				}
				if got := decode(t, codec, obj); !bytes.Equal(got, lines.Bytes()) {
					t.Fatalf("%s holds %d bytes, want its period's %d, in order", key, len(got), lines.Len())
				}
			}
			st := w.Stats()
			if st.Rolls != 2 || st.Pending != 0 || st.Rotations != 0 {
				t.Fatalf("stats %+v, want 2 rolls and nothing pending", st)
			}
			if f := srv.Counts().Faults; f[osstest.FaultDropResponse]+f[osstest.FaultResetMidBody] == 0 {
				t.Fatalf("no append failed (faults %v)", f)
			}
		})
	}
}

// TestLayoutQueuesAtTheEndOfAPeriod: the frame being filled when a period
// ends is queued then, without Flush or FlushInterval, and sealed when
// the writer moves on with WithSealOnClose.
func TestLayoutQueuesAtTheEndOfAPeriod(t *testing.T) {
	srv := newServer(t)
	clock := newFakeClock(time.Date(2026, 11, 30, 10, 59, 59, 0, time.UTC))
	w := newWriter(t, srv.Client(), "m/%Y%m%d-%H%M.log", ossappend.WithKeyLayout(), ossappend.WithClock(clock),
		ossappend.WithFlushInterval(0), ossappend.WithSealOnClose())
	w.WriteString("before the minute ends\n")
	clock.Advance(time.Second) // the frame is queued at 11:00:00
	waitFor(t, "the frame of 10:59 to be stored", func() bool { return w.Stats().BytesStored == 23 })
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"m/20261130-1059.log": "before the minute ends\n", "m/20261130-1100.log": "after\n"} {
		if got := getObject(t, srv.Client(), key); string(got) != want {
			t.Fatalf("%s = %q, want %q", key, got, want)
		}
		if !isSealed(t, srv, key) {
			t.Fatalf("%s was not sealed", key)
		}
	}
}

// TestLayoutPlaceholders: {host} and {pid} name the process, made safe for
// a key, and %% is a percent sign.
func TestLayoutPlaceholders(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "hosts/{host}/{pid}-100%%.log", ossappend.WithKeyLayout())
	defer w.Close()
	host, _ := os.Hostname()
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, host)
	if want := "hosts/" + safe + "/" + strconv.Itoa(os.Getpid()) + "-100%.log"; w.Key() != want {
		t.Fatalf("Key = %q, want %q", w.Key(), want)
	}
}

// TestLayoutRefusesBadInput: a layout with an unknown verb or placeholder,
// a verb without the coarser ones, or one that names an invalid key is
// refused before any request, naming the part at fault.
func TestLayoutRefusesBadInput(t *testing.T) {
	srv := newServer(t)
	for layout, says := range map[string]string{
		"logs/%Y/%q.log":                 "unknown verb %q",
		"logs/{user}.log":                "unknown placeholder {user}",
		"logs/{host.log":                 "'{' with no '}'",
		"logs/app.log%":                  "'%' at its end",
		"logs/hour=%H/app.log":           "%H without %Y",
		"logs/%Y-%m/%M.log":              "%M without %d",
		"/logs/%Y/app.log":               "begin with",
		"%Y" + strings.Repeat("x", 1020): "bytes, want at most",
		"":                               "empty",
	} {
		srv.ResetCounts()
		_, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, layout, ossappend.WithKeyLayout())
		if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), says) {
			t.Errorf("layout %.40q: NewWriter = %v, want ErrInvalidArgument saying %q", layout, err, says)
		}
		if n := len(srv.Counts().Requests); n != 0 {
			t.Errorf("layout %.40q: requests reached OSS before it was refused", layout)
		}
	}
}

// TestLayoutWithLocation: the verbs follow WithLocation's calendar.
func TestLayoutWithLocation(t *testing.T) {
	srv := newServer(t)
	shanghai := time.FixedZone("CST", 8*3600)
	clock := newFakeClock(time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)) // 04:00 on Dec 1 in Shanghai
	w := newWriter(t, srv.Client(), "d/%Y-%m-%d.log", ossappend.WithKeyLayout(), ossappend.WithClock(clock), ossappend.WithLocation(shanghai))
	defer w.Close()
	if w.Key() != "d/2026-12-01.log" {
		t.Fatalf("Key = %s, want the day in Shanghai", w.Key())
	}
}

// isSealed asks the server whether key is a sealed appendable object.
func isSealed(t *testing.T, srv *osstest.Server, key string) bool {
	t.Helper()
	res, err := srv.Client().HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("HeadObject(%s): %v", key, err)
	}
	return res.Headers.Get("x-oss-sealed-time") != ""
}

// TestFollowALayoutAcrossRolls: a reader following the layout's prefix
// while the writer runs sees every line once, in order, across period
// rolls and rotations within periods.
func TestFollowALayoutAcrossRolls(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None(), compress.Zstd(1)} {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			clock := newFakeClock(time.Date(2026, 11, 30, 23, 50, 0, 0, time.UTC))
			w := newWriter(t, srv.Client(), "f/dt=%Y-%m-%d/%H%M.log"+codec.Extension(), ossappend.WithKeyLayout(),
				ossappend.WithClock(clock), ossappend.WithCodec(codec), ossappend.WithFlushSize(1<<10),
				ossappend.WithMaxObjectSize(2<<10), ossappend.WithFlushInterval(0))
			r, err := ossread.NewReader(context.Background(), srv.Client(), bucket, "f/",
				ossread.WithFollow(), ossread.WithDecode(), ossread.WithWaitForObject(), ossread.WithPollInterval(2*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			const n = 3000
			lines := make(chan string, n)
			go func() {
				sc := bufio.NewScanner(r)
				for sc.Scan() {
					lines <- sc.Text() + "\n"
				}
				close(lines)
			}()
			for i := range n {
				w.WriteString(numberedLine(0, i))
				if i%100 == 99 {
					w.Flush()
					clock.Advance(time.Minute) // 30 periods, across midnight
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			deadline := time.After(time.Minute)
			for i := range n {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the reader stopped after %d lines", i)
					}
					if want := numberedLine(0, i); l != want {
						t.Fatalf("line %d: %q, want %q (lost, doubled or out of order)", i, l, want)
					}
				case <-deadline:
					t.Fatalf("the reader had read %d lines of %d after a minute", i, n)
				}
			}
			if st := w.Stats(); st.Rolls < 29 || st.Rotations == 0 && compress.IsNone(codec) {
				t.Fatalf("stats %+v: want rolls, and rotations within periods", st)
			}
		})
	}
}
