package ossappend_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/retry"
)

// fastRetry keeps tests quick: failures are retried within milliseconds.
var fastRetry = ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})

// checkNoLeaks fails t if goroutines of the writer are still running once
// everything has been closed. It waits for them to finish, up to a bound
// that is only reached when they leak.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	var stacks string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stacks = writerGoroutines()
		if stacks == "" {
			return
		}
	}
	t.Fatalf("writer goroutines still running after Close:\n%s", stacks)
}

// backgroundFuncs are the functions the writer's own goroutines run.
var backgroundFuncs = []string{
	"ossappend.(*Writer).timeUp", "ossappend.compressFrames",
	"ossappend.(*Writer).notify", "ossappend.(*appender).run",
	"ossappend.(*spooler).loader", "ossappend.(*spooler).finisher",
}

func writerGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, fn := range backgroundFuncs {
			if strings.Contains(g, fn) {
				leaked = append(leaked, g)
				break
			}
		}
	}
	return strings.Join(leaked, "\n\n")
}

// numberedLine returns line i of goroutine g: "g=G i=I pad\n".
func numberedLine(g, i int) string {
	return fmt.Sprintf("g=%02d i=%06d %s\n", g, i, strings.Repeat("x", (g*7+i)%50))
}

// checkLines verifies that data holds every line of goroutines 0..gs-1,
// 0..n-1, exactly once, each goroutine's lines in order, and nothing else.
func checkLines(t testing.TB, data []byte, gs, n int) {
	t.Helper()
	next := make([]int, gs)
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) != 0 {
		t.Fatalf("object ends with a partial line %q", lines[len(lines)-1])
	}
	for _, l := range lines[:len(lines)-1] {
		var g, i int
		if _, err := fmt.Sscanf(string(l), "g=%d i=%d", &g, &i); err != nil || g < 0 || g >= gs {
			t.Fatalf("foreign or torn line %q", l)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: line %d where %d was due (lost, doubled or reordered)", g, i, next[g])
		}
		if want := numberedLine(g, i); string(l)+"\n" != want {
			t.Fatalf("line %q, want %q", l, want)
		}
		next[g]++
	}
	for g, got := range next {
		if got != n {
			t.Fatalf("goroutine %d: %d lines stored, want %d", g, got, n)
		}
	}
}

func credentialsOf(id, secret string) credentials.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret)
}

// rotated names rotation n of a test's key as the writer must: ".n" after
// the stem of its file name, before its extensions ("logs/app.log.s2" →
// "logs/app.1.log.s2"). It is stated apart from RotateKey, so that the
// tests hold RotateKey to it; n = 0 is the key itself.
func rotated(key string, n int) string {
	if n == 0 {
		return key
	}
	dir, file := "", key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		dir, file = key[:i+1], key[i+1:]
	}
	stem, exts, _ := strings.Cut(file, ".")
	return fmt.Sprintf("%s%s.%d.%s", dir, stem, n, exts)
}
