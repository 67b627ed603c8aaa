// Command rsswrap runs a command and writes its peak resident set size,
// in bytes, to a file:
//
//	rsswrap OUT COMMAND [ARG...]
//
// The command shares rsswrap's standard input, output and error, and its
// exit status becomes rsswrap's. OUT gets 0 where the system does not tell
// the peak.
//
// A process started by a big one (ossbench) inherits the big one's peak on
// Linux, where execve keeps the high-water mark of the memory it replaces;
// rsswrap is small, so the figure it reads is the command's own, give or
// take rsswrap's few MiB.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rsswrap OUT COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(1)
	}
	if werr := os.WriteFile(os.Args[1], []byte(strconv.FormatInt(peakRSS(cmd.ProcessState), 10)), 0o600); werr != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", werr)
		os.Exit(1)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
