package ossappend_test

// The spool's crash test: a child process (this test binary, run again as
// TestSpoolCrashChild) writes numbered lines through a spooled writer into
// an osstest server that outlives it, reports each line once Write has
// returned for it, and is killed with SIGKILL at a random moment; then the
// next child goes on with the same spool, and so on. At the end a writer
// in this process closes the spool. Every reported line must be in the
// object exactly once, in order, and no line twice.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

const spoolCrashEnv = "OSSAPPEND_SPOOL_CRASH_CHILD" // endpoint|key|codec|dir|run|max object size|pace

// spoolCrashMode is what the server does while the children write.
type spoolCrashMode struct {
	name   string
	faults []osstest.Fault
	// maxObject is the children's WithMaxObjectSize: small, so that
	// objects rotate, and a late append can land on a new key.
	maxObject int64
	// pace is how many lines a child writes between pauses of a
	// millisecond; 0 writes as fast as it can.
	pace int
}

var spoolCrashModes = []spoolCrashMode{
	{name: "plain"},
	{name: "lost-responses", faults: []osstest.Fault{{Op: "AppendObject", Kind: osstest.FaultDropResponse, Probability: 0.3}}},
	// A distant region: appends land 300 ms after they are sent, whether
	// their writer is still alive or not, and HeadObject answers in 100
	// ms, so that a child killed with an append in flight leaves it to
	// land while the next child opens the spool and looks.
	{name: "late-appends", maxObject: 64 << 10, pace: 5, faults: []osstest.Fault{
		{Op: "AppendObject", Kind: osstest.FaultLateApply, Latency: 300 * time.Millisecond},
		{Op: "HeadObject", Kind: osstest.FaultLatency, Latency: 100 * time.Millisecond},
	}},
}

// TestSpoolCrash runs children on one spool, one after the other, and
// kills each with SIGKILL at a random moment: mostly while it writes, now
// and then while it opens the spool, and now and then it finds OSS
// refusing it and fails to open. Every line a child reported must be in
// the object (or its rotations) once, in order.
func TestSpoolCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("OSSAPPEND_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	kills := 4 // per codec and mode; OSSAPPEND_SPOOL_KILLS for a long run
	if s := os.Getenv("OSSAPPEND_SPOOL_KILLS"); s != "" {
		fmt.Sscan(s, &kills)
	}
	cell := int64(0)
	for _, codec := range allCodecs {
		for _, mode := range spoolCrashModes {
			cell++
			rng := rand.New(rand.NewSource(seed + cell)) // each cell its own: they run in parallel
			t.Run(codec.Name()+"/"+mode.name, func(t *testing.T) {
				t.Parallel() // children mostly wait: on each other's appends, on late answers
				srv := newServer(t)
				dir := t.TempDir()
				key := "spool-crash/app.log" + codec.Extension()
				reported := make([]int, kills) // the lines each run reported, 0..n-1
				var early, refused int
				for run := range kills {
					switch r := rng.Intn(10); {
					case r == 0 && run > 0:
						refused++
						srv.SetFaults(seed, osstest.Fault{Op: "HeadObject", Kind: osstest.FaultError503})
						runSpoolCrashChild(t, rng, srv, key, codec, dir, run, mode, seed, childRefused)
					case r < 3:
						early++
						srv.SetFaults(seed, mode.faults...)
						reported[run] = runSpoolCrashChild(t, rng, srv, key, codec, dir, run, mode, seed, childKilledEarly)
					default:
						srv.SetFaults(seed, mode.faults...)
						reported[run] = runSpoolCrashChild(t, rng, srv, key, codec, dir, run, mode, seed, childKilled)
					}
				}
				// The last writer, in this process, on a server at its
				// ease: it sends what is left. Late appends of the last
				// child may still land meanwhile.
				srv.SetFaults(seed)
				opts := []ossappend.Option{ossappend.WithSpool(dir), ossappend.WithCodec(codec), ossappend.WithFlushSize(8 << 10)}
				if mode.maxObject > 0 {
					opts = append(opts, ossappend.WithMaxObjectSize(mode.maxObject))
				}
				w := newWriter(t, srv.Client(), key, opts...)
				if err := w.Close(); err != nil {
					t.Fatalf("seed %d: closing the spool: %v", seed, err)
				}
				st := w.Stats()
				var text []byte
				for n := 0; ; n++ {
					obj, ok := srv.Object(bucket, rotated(key, n))
					if !ok {
						break
					}
					text = append(text, decodeAll(t, codec, obj, seed)...)
				}
				checkRuns(t, text, reported, seed)
				t.Logf("seed %d: reported %v (%d killed while opening, %d refused); the last writer recovered %d frames, found %d stored; faults %v",
					seed, reported, early, refused, st.SpoolRecovered, st.SpoolFoundStored, srv.Counts().Faults)
			})
		}
	}
}

// How a child's life ends.
const (
	childKilled      = iota // killed once it has reported some lines
	childKilledEarly        // killed within 50 ms of its start, likely while it opens the spool
	childRefused            // OSS refuses it, and it fails to open
)

// runSpoolCrashChild starts a child on the spool and ends it as end says,
// and returns how many lines it reported.
func runSpoolCrashChild(t *testing.T, rng *rand.Rand, srv *osstest.Server, key string, codec compress.Codec, dir string, run int, mode spoolCrashMode, seed int64, end int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolCrashChild$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%s|%s|%d|%d|%d", spoolCrashEnv, srv.Endpoint(), key, codec.Name(), dir, run, mode.maxObject, mode.pace))
	if end != childRefused {
		cmd.Stderr = os.Stderr
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, err := strconv.Atoi(sc.Text()); err == nil {
				lines <- n
			}
		}
		close(lines)
	}()
	last := -1
	switch end {
	case childRefused:
		for n := range lines {
			last = n
		}
		if err := cmd.Wait(); err == nil || last >= 0 {
			t.Fatalf("seed %d: run %d, refused by OSS, wrote %d lines and ended with %v; want it to fail to open", seed, run, last+1, err)
		}
		return 0
	case childKilledEarly:
		time.Sleep(time.Duration(rng.Intn(50_000)) * time.Microsecond)
	default:
		target := 200 + rng.Intn(3000) // kill once about this many lines are reported
		deadline := time.After(time.Minute)
		for last < target {
			select {
			case n, ok := <-lines:
				if !ok {
					t.Fatalf("seed %d: run %d ended before it was killed (after line %d)", seed, run, last)
				}
				last = n
			case <-deadline:
				t.Fatalf("seed %d: run %d reported %d lines in a minute", seed, run, last+1)
			}
		}
		time.Sleep(time.Duration(rng.Intn(3000)) * time.Microsecond) // anywhere: mid-Write, mid-append, ...
	}
	cmd.Process.Kill()
	for n := range lines { // what it reported before it died
		last = n
	}
	cmd.Wait()
	return last + 1
}

// TestSpoolCrashChild is the child of TestSpoolCrash: it writes run's
// numbered lines through a spooled writer, and reports each once Write
// has returned for it, until it is killed.
func TestSpoolCrashChild(t *testing.T) {
	spec := os.Getenv(spoolCrashEnv)
	if spec == "" {
		t.Skip("run by TestSpoolCrash")
	}
	parts := strings.Split(spec, "|")
	endpoint, key, codecName, dir := parts[0], parts[1], parts[2], parts[3]
	run, _ := strconv.Atoi(parts[4])
	maxObject, _ := strconv.ParseInt(parts[5], 10, 64)
	pace, _ := strconv.Atoi(parts[6])
	codec, err := compress.ByName(codecName)
	if err != nil {
		t.Fatal(err)
	}
	client := oss.NewClient(oss.NewConfig().WithRegion(osstest.Region).WithEndpoint(endpoint).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, osstest.AccessKeySecret)))
	opts := []ossappend.Option{ossappend.WithCodec(codec), ossappend.WithSpool(dir),
		ossappend.WithFlushSize(8 << 10), ossappend.WithFlushInterval(time.Millisecond), fastRetry}
	if maxObject > 0 {
		opts = append(opts, ossappend.WithMaxObjectSize(maxObject))
	}
	w, err := ossappend.NewWriter(context.Background(), client, bucket, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriterSize(os.Stdout, 64)
	for i := 0; ; i++ {
		if _, err := w.WriteString(numberedLine(run, i)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(out, "%d\n", i) // reported: Write returned
		out.Flush()
		switch {
		case pace > 0 && i%pace == 0:
			time.Sleep(time.Millisecond) // alive long enough for appends to be in flight when it dies
		case pace == 0 && i%50 == 0:
			time.Sleep(100 * time.Microsecond) // let appends and the kill land anywhere
		}
	}
}

// checkRuns checks that text holds the lines of the runs in run order,
// each run's a whole prefix of its lines, in order, once: at least the
// lines it reported, and of the lines after those only a prefix.
func checkRuns(t *testing.T, text []byte, reported []int, seed int64) {
	t.Helper()
	next := make([]int, len(reported))
	cur := 0
	for len(text) > 0 {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			t.Fatalf("seed %d: a partial line at the end: %q", seed, text)
		}
		line := string(text[:end+1])
		text = text[end+1:]
		var g, i int
		if _, err := fmt.Sscanf(line, "g=%d i=%d", &g, &i); err != nil || g < 0 || g >= len(reported) {
			t.Fatalf("seed %d: a foreign or torn line %q", seed, line)
		}
		if g < cur {
			t.Fatalf("seed %d: a line of run %d after run %d's: %q", seed, g, cur, line)
		}
		cur = g
		if i != next[g] || line != numberedLine(g, i) {
			t.Fatalf("seed %d: run %d: line %q where line %d was due (lost, doubled or reordered)", seed, g, line, next[g])
		}
		next[g]++
	}
	for g, n := range reported {
		if next[g] < n {
			t.Fatalf("seed %d: run %d reported %d lines, the object holds %d", seed, g, n, next[g])
		}
	}
}
