package ossappend_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/osstest"
)

const spoolFullEnv = "OSSAPPEND_SPOOL_FULL_CHILD" // endpoint|dir

// TestSpoolDiskFull: when the disk has no room for the spool's next frame
// (here a child process's file size limit, RLIMIT_FSIZE, as a full disk
// or a quota would), the writer stops with ErrSpoolFull, and every line
// it accepted before is stored, once, by the next writer on the spool.
func TestSpoolDiskFull(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolDiskFullChild$")
	cmd.Env = append(os.Environ(), spoolFullEnv+"="+srv.Endpoint()+"|"+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the child: %v", err)
	}
	var accepted int
	var verdict string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "full"), strings.HasPrefix(line, "error:"):
			verdict = line
		default:
			if n, err := strconv.Atoi(line); err == nil {
				accepted = n + 1
			}
		}
	}
	if verdict != "full" || accepted < 100 {
		t.Fatalf("the child accepted %d lines and ended with %q, want ErrSpoolFull after many lines", accepted, verdict)
	}
	w := newWriter(t, srv.Client(), "full.log", ossappend.WithSpool(dir))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	obj := getObject(t, srv.Client(), "full.log")
	checkRuns(t, obj, []int{accepted}, 0)
	if n := strings.Count(string(obj), "\n"); n != accepted {
		t.Fatalf("the object holds %d lines, want the %d accepted", n, accepted)
	}
}

// TestSpoolDiskFullChild is the child of TestSpoolDiskFull: it writes and
// reports lines, then limits the size of its files and writes on until the
// writer stops, and says why.
func TestSpoolDiskFullChild(t *testing.T) {
	spec := os.Getenv(spoolFullEnv)
	if spec == "" {
		t.Skip("run by TestSpoolDiskFull")
	}
	endpoint, dir, _ := strings.Cut(spec, "|")
	client := oss.NewClient(oss.NewConfig().WithRegion(osstest.Region).WithEndpoint(endpoint).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, osstest.AccessKeySecret)))
	w, err := ossappend.NewWriter(context.Background(), client, bucket, "full.log", ossappend.WithSpool(dir),
		ossappend.WithFlushSize(8<<10), ossappend.WithFlushInterval(time.Millisecond), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if i == 500 {
			// From now on no file may grow past one page: no new frame fits.
			signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG, not the process
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 4096, Max: 4096}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.WriteString(numberedLine(0, i)); err != nil {
			if errors.Is(err, ossappend.ErrSpoolFull) {
				fmt.Println("full")
			} else {
				fmt.Println("error:", err)
			}
			return
		}
		fmt.Println(i)
	}
}
