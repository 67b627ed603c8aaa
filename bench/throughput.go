package bench

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// A CommandRun is one timed run of a command that reads a file of log
// text on its standard input or by name (scenario 6b).
type CommandRun struct {
	Name    string
	Bytes   int64
	Elapsed time.Duration
	CPU     time.Duration // the process's user and system time, its children's included
}

// MBps is the input per second, in MB (10⁶ bytes).
func (r CommandRun) MBps() float64 { return float64(r.Bytes) / 1e6 / r.Elapsed.Seconds() }

// CPUPerGiB is CPU seconds per GiB of input.
func (r CommandRun) CPUPerGiB() float64 { return r.CPU.Seconds() / (float64(r.Bytes) / (1 << 30)) }

// The rows of scenario 6b.
const (
	throughCat   = "cat FILE > /dev/null"
	throughZstd  = "zstd -T0 -c FILE > /dev/null"
	throughNone  = "pipe --local < FILE"
	throughZ     = "pipe --local --compress zstd < FILE"
	throughSpool = "pipe --local --spool DIR < FILE"
)

// writeInput writes size bytes of block, repeated, to a file in dir and
// returns its name and the SHA-256 of its bytes.
func writeInput(dir string, block []byte, size int64) (string, []byte, error) {
	name := filepath.Join(dir, "input.log")
	f, err := os.Create(name)
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	for left := size; left > 0; {
		chunk := block[:min(int64(len(block)), left)]
		if _, err := w.Write(chunk); err != nil {
			f.Close()
			return "", nil, err
		}
		left -= int64(len(chunk))
	}
	return name, h.Sum(nil), f.Close()
}

// timeCommand runs cmd with its standard input from the file in (if not
// empty) and its standard output into the null device, and measures it.
func timeCommand(name string, cmd *exec.Cmd, in string, size int64) (CommandRun, error) {
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			return CommandRun{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return CommandRun{}, err
	}
	defer null.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = null, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return CommandRun{}, fmt.Errorf("%s: %w: %s", name, err, stderr.Bytes())
	}
	r := CommandRun{Name: name, Bytes: size, Elapsed: time.Since(start)}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// Throughput runs scenario 6b once: the floors (cat of the file, and zstd
// -T0 of it where zstd is installed), then the ossappend command piping
// the file into its embedded server, uncompressed, with zstd and with a
// spool, each into a fresh directory; each object is read back with cat
// and compared with the file.
func Throughput(c Commands, input string, sum []byte, size int64) ([]CommandRun, error) {
	var runs []CommandRun
	cat, err := timeCommand(throughCat, exec.Command("cat", input), "", size)
	if err != nil {
		return nil, err
	}
	runs = append(runs, cat)
	if zstd, err := exec.LookPath("zstd"); err == nil {
		r, err := timeCommand(throughZstd, exec.Command(zstd, "-T0", "-3", "-q", "-c", input), "", size)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	for _, p := range []struct{ name, key, spool string }{
		{throughNone, "through.log", ""},
		{throughZ, "through.log.zst", ""},
		{throughSpool, "through.log", "spool"},
	} {
		tmp, err := os.MkdirTemp("", "ossbench-through-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir, url := filepath.Join(tmp, "data"), "oss://"+LocalBucket+"/"+p.key
		args := []string{"--local", dir, "pipe", "-q"}
		if p.spool != "" {
			spool := filepath.Join(tmp, p.spool)
			if err := os.Mkdir(spool, 0o700); err != nil {
				return nil, err
			}
			args = append(args, "--spool", spool)
		}
		r, err := timeCommand(p.name, exec.Command(c.Ossappend, append(args, url)...), input, size)
		if err != nil {
			return nil, err
		}
		got := &countingHash{h: sha256.New()}
		var stderr bytes.Buffer
		back := exec.Command(c.Ossappend, "--local", dir, "cat", url)
		back.Stdout, back.Stderr = got, &stderr
		if err := back.Run(); err != nil {
			return nil, fmt.Errorf("cat after %s: %w: %s", p.name, err, stderr.Bytes())
		}
		if got.n != size || !bytes.Equal(got.h.Sum(nil), sum) {
			return nil, fmt.Errorf("%s: cat printed %d bytes that differ from the %d piped", p.name, got.n, size)
		}
		runs = append(runs, r)
	}
	return runs, nil
}
