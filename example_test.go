package ossappend_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// The examples run against osstest, an OSS server on loopback; with real
// OSS, pass an *oss.Client made from oss.LoadDefaultConfig instead.

// Send the standard logger's output to an appendable object.
func Example_logSetOutput() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")

	w, err := ossappend.NewWriter(context.Background(), srv.Client(), "examples", "logs/app.log")
	if err != nil {
		log.Fatal(err)
	}
	log.SetOutput(w)
	log.SetFlags(0)
	log.Println("service started")
	log.Println("listening on :8080")
	if err := w.Close(); err != nil { // stores what is buffered
		log.Fatal(err)
	}
	log.SetOutput(io.Discard)

	obj, _ := srv.Object("examples", "logs/app.log")
	fmt.Print(string(obj))
	// Output:
	// service started
	// listening on :8080
}

// Write structured logs with log/slog, compressed with zstd.
func Example_slog() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")

	w, err := ossappend.NewWriter(context.Background(), srv.Client(), "examples", "logs/app.json.zst",
		ossappend.WithCodec(compress.Zstd(3)))
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable for this example
			}
			return a
		},
	}))
	logger.Info("order placed", "order", 1042, "amount", 99.5)
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	obj, _ := srv.Object("examples", "logs/app.json.zst")
	r := compress.NewReader(strings.NewReader(string(obj)))
	defer r.Close()
	text, _ := io.ReadAll(r)
	fmt.Print(string(text))
	// Output:
	// {"level":"INFO","msg":"order placed","order":1042,"amount":99.5}
}

// Copy a stream into an object with io.Copy. For readers such as files and
// pipes, io.Copy uses the writer's ReadFrom, which reads straight into its
// frame buffers.
func Example_ioCopy() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")

	w, err := ossappend.NewWriter(context.Background(), srv.Client(), "examples", "dump.txt")
	if err != nil {
		log.Fatal(err)
	}
	n, err := io.Copy(w, strings.NewReader(strings.Repeat("0123456789", 100000)))
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	st := w.Stats()
	fmt.Println(n, "bytes copied;", st.BytesStored, "stored in", st.FramesStored, "append")
	// Output:
	// 1000000 bytes copied; 1000000 stored in 1 append
}

// Name objects by time and source with a key layout: one object an hour,
// per host. (The example fixes the clock at 10:59 on 2026-11-30; a writer's
// clock is the system's unless WithClock gives another.)
func Example_keyLayout() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")

	clock := &stoppedClock{now: time.Date(2026, 11, 30, 10, 59, 0, 0, time.UTC)}
	w, err := ossappend.NewWriter(context.Background(), srv.Client(), "examples",
		"logs/dt=%Y-%m-%d/hour=%H/web-7.log", ossappend.WithKeyLayout(), ossappend.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(w, "a request at 10:59")
	w.Flush()
	fmt.Println(w.Key())

	clock.now = clock.now.Add(time.Minute) // 11:00: a new period
	fmt.Fprintln(w, "a request at 11:00")
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Key())
	// Output:
	// logs/dt=2026-11-30/hour=10/web-7.log
	// logs/dt=2026-11-30/hour=11/web-7.log
}

// stoppedClock is a Clock that tells the time it is set to.
type stoppedClock struct{ now time.Time }

func (c *stoppedClock) Now() time.Time { return c.now }

func (c *stoppedClock) AfterFunc(d time.Duration, f func()) ossappend.Timer {
	return time.AfterFunc(time.Hour, f) // time stands still: nothing comes due
}
