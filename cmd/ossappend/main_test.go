package main

// End-to-end tests: TestMain builds the ossappend binary once, and each
// test runs it as a subprocess against an osstest server in the test
// process, as a user would from a shell.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// binary is the ossappend executable under test.
var binary string

// emptyHome is the home directory of every run of the binary: no
// credentials file of the user's can show.
var emptyHome string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ossappend-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ossappend")
	emptyHome = filepath.Join(dir, "home")
	if err := os.Mkdir(emptyHome, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ossappend:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cmdDeadline bounds every run of the binary: far longer than any takes,
// reached only when one hangs.
const cmdDeadline = 2 * time.Minute

const testBucket = "cli-test"

// testServer is an osstest server with the test bucket.
type testServer struct {
	*osstest.Server
	client *oss.Client
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	srv := osstest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	return &testServer{Server: srv, client: srv.Client()}
}

// env is the environment of a run against s: osstest's credentials, and
// nothing of the caller's OSS_* variables.
func (s *testServer) env() []string {
	return cleanEnv(
		"OSS_ACCESS_KEY_ID="+osstest.AccessKeyID,
		"OSS_ACCESS_KEY_SECRET="+osstest.AccessKeySecret,
	)
}

// args prefixes the global flags that point the binary at s.
func (s *testServer) args(args ...string) []string {
	return append([]string{"--endpoint", s.Endpoint(), "--region", s.Region()}, args...)
}

// url names an object of the test bucket.
func url(key string) string { return "oss://" + testBucket + "/" + key }

// cleanEnv returns the test process's environment without its OSS_* and
// ALIBABA_CLOUD_* variables, with an empty home directory and no look at
// the ECS metadata service, plus extra (whose HOME wins).
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OSS_") && !strings.HasPrefix(name, "ALIBABA_CLOUD_") && name != "HOME" && name != "USERPROFILE" {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+emptyHome, "USERPROFILE="+emptyHome, "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	return append(env, extra...)
}

// result is what a run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// run runs the binary to its end with stdin as standard input.
func runBin(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ossappend %s: still running after %v", strings.Join(args, " "), cmdDeadline)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ossappend %s: %v", strings.Join(args, " "), err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// mustRun runs the binary and fails t unless it exits 0.
func mustRunBin(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	r := runBin(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("ossappend %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// process is the binary running in the background.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *lineStream
	stderr *syncBuffer
	exited chan struct{}
	code   int
}

// start starts the binary with pipes to its standard input and output.
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stdin: stdin, stderr: new(syncBuffer), exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.stdout = streamLines(out)
	go func() {
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// signal sends sig to the process.
func (p *process) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to exit and returns its status.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(cmdDeadline):
		t.Fatalf("process still running after %v; stderr: %q", cmdDeadline, p.stderr.String())
	}
	return -1
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
