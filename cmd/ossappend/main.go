// Command ossappend streams standard input into an Alibaba Cloud OSS
// appendable object and reads such objects back, following them as they
// grow, with the ossappend library.
//
// Usage:
//
//	ossappend [--endpoint URL] [--region REGION] [--local DIR] COMMAND
//
//	ossappend demo                 see it work, with an embedded OSS server
//	ossappend pipe oss://B/K       copy standard input into an object
//	ossappend cat [-f] oss://B/K   print an object and its rotations, decoded; -f follows them
//	ossappend serve                run an OSS-protocol test server
//
// Credentials come from the environment, as the OSS SDK reads them:
// OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and, for temporary credentials,
// OSS_SESSION_TOKEN. The endpoint and region come from --endpoint and
// --region, or OSS_ENDPOINT and OSS_REGION. With --local DIR a command runs
// against an OSS server embedded in the process that keeps its data in DIR,
// and needs neither.
//
// The exit status is 0 on success, 1 on failure and 2 on a usage error;
// every failure is reported in one line on standard error. See README.md
// for examples.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
	"github.com/ossappend/ossappend"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command reads and writes besides its flags.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run runs the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cli cli
	parser, err := kong.New(&cli,
		kong.Name("ossappend"),
		kong.Description("Stream standard input into an Alibaba Cloud OSS appendable object, and read it back."),
		kong.Writers(stdout, stderr),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "ossappend:", err)
		return exitFailure
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "ossappend:", err)
		fmt.Fprintln(stderr, "Run 'ossappend --help' for usage.")
		return exitUsage
	}
	e := &env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr}
	if err := kctx.Run(&cli.globals, e); err != nil {
		fmt.Fprintln(stderr, "ossappend:", oneLine(err))
		if errors.As(err, new(usageError)) || errors.Is(err, ossappend.ErrInvalidArgument) {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

// usageError is a mistake in the command line that the parser cannot see,
// such as a malformed oss:// URL.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}
