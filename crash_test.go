package ossappend_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// The crash test runs the writer in a child process (this test binary,
// run again as TestCrashChild), kills it with SIGKILL at a random moment,
// and checks what OSS holds: a complete object (no torn frame) with an
// in-order prefix of the lines and no partial line. The server, which
// persists to disk, is restarted too; a new writer then resumes the object.

const crashEnv = "OSSAPPEND_CRASH_CHILD" // endpoint|key|codec

func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("OSSAPPEND_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	rng := rand.New(rand.NewSource(seed))
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			dir := t.TempDir()
			srv := newServer(t, osstest.WithDir(dir))
			key := "crash/app.log" + codec.Extension()
			delay := time.Duration(rng.Intn(50)) * time.Millisecond
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
			cmd.Env = append(os.Environ(), crashEnv+"="+srv.Endpoint()+"|"+key+"|"+codec.Name())
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the child to store some frames", func() bool {
				obj, _ := srv.Object(bucket, key)
				return len(obj) > 32<<10
			})
			time.Sleep(delay) // a random moment: mid-append, between appends, ...
			cmd.Process.Kill()
			cmd.Wait()
			// A request the child had sent before it died may still be
			// landing, as it would on OSS: let the server finish what it
			// is handling, then restart it on the same directory.
			if err := srv.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			srv = newServer(t, osstest.WithDir(dir))

			obj, _ := srv.Object(bucket, key)
			text := decodeAll(t, codec, obj, seed)
			n := checkPrefix(t, text, seed)
			t.Logf("seed %d: killed after %v with %d lines stored (%d bytes)", seed, delay, n, len(obj))

			// Resume: the next writer continues the same object.
			w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec))
			for i := n; i < n+1000; i++ {
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			obj, _ = srv.Object(bucket, key)
			checkLines(t, decodeAll(t, codec, obj, seed), 1, n+1000)
		})
	}
}

// TestCrashChild is the child of TestCrashAndResume: it writes numbered
// lines until it is killed.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("run by TestCrashAndResume")
	}
	var endpoint, key, codecName string
	parts := bytes.SplitN([]byte(spec), []byte("|"), 3)
	endpoint, key, codecName = string(parts[0]), string(parts[1]), string(parts[2])
	codec, err := compress.ByName(codecName)
	if err != nil {
		t.Fatal(err)
	}
	client := oss.NewClient(oss.NewConfig().WithRegion(osstest.Region).WithEndpoint(endpoint).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, osstest.AccessKeySecret)))
	w, err := ossappend.NewWriter(context.Background(), client, bucket, key, ossappend.WithCodec(codec),
		ossappend.WithFlushSize(8<<10), ossappend.WithFlushInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := w.WriteString(numberedLine(0, i)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			time.Sleep(100 * time.Microsecond) // let the kill land anywhere
		}
	}
}

func decodeAll(t *testing.T, codec compress.Codec, obj []byte, seed int64) []byte {
	t.Helper()
	r := compress.NewReader(bytes.NewReader(obj))
	defer r.Close()
	text, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("seed %d: the %s object does not decode completely (torn frame?): %v", seed, codec.Name(), err)
	}
	return text
}

// checkPrefix checks that text is lines 0..n-1 of goroutine 0, whole and in
// order, and returns n.
func checkPrefix(t *testing.T, text []byte, seed int64) int {
	t.Helper()
	n := 0
	for len(text) > 0 {
		want := numberedLine(0, n)
		if !bytes.HasPrefix(text, []byte(want)) {
			end := min(len(text), len(want))
			t.Fatalf("seed %d: line %d is %q, want %q (partial, lost or reordered)", seed, n, text[:end], want)
		}
		text = text[len(want):]
		n++
	}
	return n
}
