package bench

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// LocalKey is the object scenario 6 writes and reads, in bucket LocalBucket.
const (
	LocalBucket = "bench"
	LocalKey    = "local.log"
)

// A LocalResult is one run of the ossappend command on its embedded server
// (--local).
type LocalResult struct {
	Command string // "pipe" or "cat"
	Bytes   int64
	PeakRSS int64 // bytes; 0 where the system does not tell
	Elapsed time.Duration
}

// Commands are the programs scenario 6 runs.
type Commands struct {
	Ossappend string // the command of the workspace
	RSSWrap   string // bench/internal/rsswrap, which measures it
}

// BuildCommands builds the ossappend command of the workspace and rsswrap
// into dir.
func BuildCommands(dir string) (Commands, error) {
	c := Commands{Ossappend: filepath.Join(dir, "ossappend"), RSSWrap: filepath.Join(dir, "rsswrap")}
	for bin, pkg := range map[string]string{
		c.Ossappend: "github.com/ossappend/ossappend/cmd/ossappend",
		c.RSSWrap:   "github.com/ossappend/ossappend/bench/internal/rsswrap",
	} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return c, fmt.Errorf("build %s: %w: %s", pkg, err, out)
		}
	}
	return c, nil
}

// Local runs the ossappend command, with its default options, as a user
// would: `ossappend --local DIR pipe oss://bench/local.log` reading size
// bytes of log text (block, repeated), then `ossappend --local DIR cat` of
// the object, whose output must be those bytes. It returns both runs with
// each process's peak resident set size.
func Local(c Commands, block []byte, size int64) ([]LocalResult, error) {
	tmp, err := os.MkdirTemp("", "ossbench-local-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "data")
	url := "oss://" + LocalBucket + "/" + LocalKey

	pipe := c.command(dir, "pipe", url)
	in, err := pipe.StdinPipe()
	if err != nil {
		return nil, err
	}
	sent := sha256.New()
	fed := make(chan error, 1)
	go func() {
		defer in.Close()
		for left := size; left > 0; {
			chunk := block[:min(int64(len(block)), left)]
			if _, err := in.Write(chunk); err != nil {
				fed <- err
				return
			}
			sent.Write(chunk)
			left -= int64(len(chunk))
		}
		fed <- nil
	}()
	piped, err := c.run("pipe", pipe, size, nil)
	if err != nil {
		return nil, err
	}
	if err := <-fed; err != nil {
		return nil, fmt.Errorf("feed pipe: %w", err)
	}

	got := &countingHash{h: sha256.New()}
	cat, err := c.run("cat", c.command(dir, "cat", url), size, got)
	if err != nil {
		return nil, err
	}
	if got.n != size || !bytes.Equal(got.h.Sum(nil), sent.Sum(nil)) {
		return nil, fmt.Errorf("cat printed %d bytes that differ from the %d piped", got.n, size)
	}
	return []LocalResult{piped, cat}, nil
}

// command is `ossappend --local dir args...` under rsswrap, which writes
// the peak RSS to dir's sibling file rss.
func (c Commands) command(dir string, args ...string) *exec.Cmd {
	return exec.Command(c.RSSWrap, append([]string{dir + ".rss", c.Ossappend, "--local", dir}, args...)...)
}

// run runs cmd to its end, its standard output going to stdout (discarded
// if nil), and measures it.
func (c Commands) run(name string, cmd *exec.Cmd, size int64, stdout io.Writer) (LocalResult, error) {
	if stdout == nil {
		stdout = io.Discard
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return LocalResult{}, fmt.Errorf("ossappend %s: %w: %s", name, err, stderr.Bytes())
	}
	elapsed := time.Since(start)
	raw, err := os.ReadFile(cmd.Args[1])
	if err != nil {
		return LocalResult{}, err
	}
	rss, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return LocalResult{}, fmt.Errorf("rsswrap wrote %q", raw)
	}
	return LocalResult{Command: name, Bytes: size, PeakRSS: rss, Elapsed: elapsed}, nil
}

// countingHash hashes and counts what is written to it.
type countingHash struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}
