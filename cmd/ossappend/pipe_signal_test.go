package main

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// flood is a pipe whose standard input never stops flowing: a producer
// writes numbered lines into it until the pipe stops reading them.
type flood struct {
	cmd      *exec.Cmd
	stdout   *syncBuffer
	stderr   *syncBuffer
	produced atomic.Int64 // bytes the producer has written
	exited   chan struct{}
	code     int
}

func startFlood(t *testing.T, env []string, args ...string) *flood {
	t.Helper()
	f := &flood{cmd: exec.Command(binary, args...), stdout: new(syncBuffer), stderr: new(syncBuffer), exited: make(chan struct{})}
	f.cmd.Env = env
	f.cmd.Stdout, f.cmd.Stderr = f.stdout, f.stderr
	stdin, err := f.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer stdin.Close()
		for i := 0; ; i++ {
			n, err := fmt.Fprintf(stdin, "%09d a line that keeps coming\n", i)
			f.produced.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	go func() {
		f.cmd.Wait()
		f.code = f.cmd.ProcessState.ExitCode()
		close(f.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-f.exited:
		default:
			f.cmd.Process.Kill()
			<-f.exited
		}
	})
	return f
}

func (f *flood) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := f.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the pipe to exit while its input still flows.
func (f *flood) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-f.exited:
		return f.code
	case <-time.After(cmdDeadline):
		t.Fatalf("pipe still running %v after the signal, its input flowing; stderr: %q", cmdDeadline, f.stderr.String())
	}
	return -1
}

// TestPipeSignalStopsFlowingInput: SIGTERM stops a pipe whose input keeps
// coming, and everything it read, as --tee shows, is stored.
func TestPipeSignalStopsFlowingInput(t *testing.T) {
	srv := newTestServer(t)
	f := startFlood(t, srv.env(), srv.args("pipe", "--tee", url("flood.log"))...)
	waitFor(t, "pipe to read", func() bool { return len(f.stdout.String()) > 0 })
	f.signal(t, syscall.SIGTERM)
	if code := f.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, f.stderr.String())
	}
	obj, _ := srv.Object(testBucket, "flood.log")
	if tee := f.stdout.String(); string(obj) != tee {
		t.Fatalf("object holds %d bytes, want the %d pipe read", len(obj), len(tee))
	}
	t.Logf("stored %d bytes of the %d produced", len(obj), f.produced.Load())
}

// TestPipeSecondSignalStopsFlowingInput: with appends failing and input
// flowing, a second signal gives up at once and says how much was lost.
func TestPipeSecondSignalStopsFlowingInput(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	f := startFlood(t, srv.env(), srv.args("pipe", "--flush-size", "64KiB", url("flood.log"))...)
	waitFor(t, "an append", func() bool { return srv.Counts().Requests["AppendObject"] > 0 })
	f.signal(t, syscall.SIGINT)
	f.signal(t, syscall.SIGTERM)
	if code := f.wait(t); code != exitFailure {
		t.Fatalf("pipe exited %d, want %d; stderr: %q", code, exitFailure, f.stderr.String())
	}
	checkFailure(t, result{f.code, "", f.stderr.String()}, exitFailure, "bytes not stored", "second signal")
}

// TestPipeDrainTimeoutStopsFlowingInput: with appends failing and input
// flowing, one signal ends the pipe --drain-timeout after it stops reading.
func TestPipeDrainTimeoutStopsFlowingInput(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	f := startFlood(t, srv.env(), srv.args("pipe", "--flush-size", "64KiB", "--drain-timeout", "100ms", url("flood.log"))...)
	waitFor(t, "an append", func() bool { return srv.Counts().Requests["AppendObject"] > 0 })
	f.signal(t, syscall.SIGTERM)
	if code := f.wait(t); code != exitFailure {
		t.Fatalf("pipe exited %d, want %d; stderr: %q", code, exitFailure, f.stderr.String())
	}
	checkFailure(t, result{f.code, "", f.stderr.String()}, exitFailure, "bytes not stored", "--drain-timeout 100ms")
}

// TestPipeEOFRetriesForRetryFor: after the input ends, pipe keeps trying
// to store it for --retry-for; --drain-timeout is for signals only.
func TestPipeEOFRetriesForRetryFor(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	p := start(t, srv.env(), srv.args("pipe", "--drain-timeout", "10ms", url("later.log"))...)
	io.WriteString(p.stdin, "kept\n")
	p.stdin.Close()
	exited := func() bool {
		select {
		case <-p.exited:
			return true
		default:
			return false
		}
	}
	waitFor(t, "three appends", func() bool { return srv.Counts().Requests["AppendObject"] >= 3 || exited() })
	srv.SetFaults(1)
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if obj, _ := srv.Object(testBucket, "later.log"); string(obj) != "kept\n" {
		t.Fatalf("object holds %q", obj)
	}
}

// TestPipeSignalStoresWholeLines: SIGTERM while the input flows, in
// writes that end in the middle of lines (as a producer's buffered output
// does), stores whole lines only: the object ends with a newline and holds
// the first lines produced, each whole, in order.
func TestPipeSignalStoresWholeLines(t *testing.T) {
	srv := newTestServer(t)
	f := &flood{cmd: exec.Command(binary, srv.args("pipe", "-q", url("blocks.log"))...), stdout: new(syncBuffer), stderr: new(syncBuffer), exited: make(chan struct{})}
	f.cmd.Env = srv.env()
	f.cmd.Stdout, f.cmd.Stderr = f.stdout, f.stderr
	stdin, err := f.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer stdin.Close()
		var stream []byte
		for i := 0; ; i++ {
			stream = fmt.Appendf(stream, "%09d a line that blocks cut\n", i)
			for len(stream) >= 4096 {
				n, err := stdin.Write(stream[:4096])
				f.produced.Add(int64(n))
				if err != nil {
					return
				}
				stream = stream[4096:]
			}
		}
	}()
	go func() {
		f.cmd.Wait()
		f.code = f.cmd.ProcessState.ExitCode()
		close(f.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-f.exited:
		default:
			f.cmd.Process.Kill()
			<-f.exited
		}
	})
	waitFor(t, "pipe to read", func() bool { return f.produced.Load() > 100000 })
	f.signal(t, syscall.SIGTERM)
	if code := f.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, f.stderr.String())
	}
	obj, _ := srv.Object(testBucket, "blocks.log")
	if len(obj) == 0 || obj[len(obj)-1] != '\n' {
		t.Fatalf("the object (%d bytes) ends with %q: a line is cut", len(obj), obj[max(len(obj)-40, 0):])
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(obj), "\n"), "\n") {
		if want := fmt.Sprintf("%09d a line that blocks cut", i); line != want {
			t.Fatalf("line %d is %q, want %q", i, line, want)
		}
	}
	if s := f.stderr.String(); strings.Count(s, "\n") > 1 {
		t.Errorf("stderr %q: more than one line", s)
	}
}

// TestPipeSignalLeavesOutACutLine: a line whose newline does not come
// after the signal (the producer paused, or was stopped too) is left out,
// and one line on standard error says so; the next run's first line is
// not glued to it.
func TestPipeSignalLeavesOutACutLine(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "-q", "--tee", "--flush-interval", "1h", url("cut.log"))...)
	io.WriteString(p.stdin, "one\ntwo\n")
	p.stdout.expect(t, "one", "two")
	io.WriteString(p.stdin, "thr")
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if obj, _ := srv.Object(testBucket, "cut.log"); string(obj) != "one\ntwo\n" {
		t.Fatalf("the object holds %q, want the whole lines", obj)
	}
	if s := p.stderr.String(); s != "" && (strings.Count(s, "\n") != 1 || !strings.Contains(s, "left out the last 3 bytes read")) {
		t.Errorf("stderr %q, want one line about the 3 bytes left out", s)
	}
	mustRunBin(t, srv.env(), "next\n", srv.args("pipe", "-q", url("cut.log"))...)
	if obj, _ := srv.Object(testBucket, "cut.log"); string(obj) != "one\ntwo\nnext\n" {
		t.Fatalf("after the next run the object holds %q", obj)
	}
}
