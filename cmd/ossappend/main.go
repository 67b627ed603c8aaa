// Command ossappend streams standard input into an Alibaba Cloud OSS
// appendable object and reads such objects back, following them as they
// grow, with the ossappend library.
//
// Usage:
//
//	ossappend [--endpoint URL] [--region REGION] [--profile NAME] [--local DIR] COMMAND
//
//	ossappend demo                 see it work, with an embedded OSS server
//	ossappend pipe oss://B/K [F]   copy standard input (or files F) into an object
//	ossappend cat [-f] oss://B/K   print an object and its rotations, decoded; -f follows them
//	ossappend ls [-r] oss://B/P/   list objects: size, appendable or sealed, codec, time
//	ossappend serve                run an OSS-protocol test server
//	ossappend doctor oss://B/P/    check a bucket and credentials for the library
//	ossappend version              the same as --version
//	ossappend help [COMMAND]       the same as COMMAND --help
//
// Credentials come from --profile NAME, a profile of the aliyun CLI's
// configuration or of ~/.alibabacloud/credentials; else from
// OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and, for temporary credentials,
// OSS_SESSION_TOKEN, as the OSS SDK reads them; else from the Alibaba Cloud
// default credential chain (ALIBABA_CLOUD_* variables, OIDC as RRSA sets it
// up, the aliyun CLI's profile, the ECS RAM role). The endpoint and region
// come from --endpoint and --region, or OSS_ENDPOINT and OSS_REGION. With
// --local DIR a command runs against an OSS server embedded in the process
// that keeps its data in DIR, and needs neither.
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
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

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
		kong.Help(printHelp),
		kong.Vars{
			"version": version(),
			// The library's defaults are the command's.
			"flushSize":     fmt.Sprintf("%dMiB", ossappend.DefaultFlushSize>>20),
			"flushInterval": ossappend.DefaultFlushInterval.String(),
			"retryFor":      durationFlag(ossappend.DefaultRetry.MaxElapsed),
			"spoolLimit":    fmt.Sprintf("%dGiB", ossappend.DefaultSpoolLimit>>30),
		},
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
		if !errors.As(err, new(reported)) {
			fmt.Fprintln(stderr, message(err))
		}
		return exitStatus(err)
	}
	return exitOK
}

// exitStatus is the exit status of a command that failed with err.
func exitStatus(err error) int {
	if errors.As(err, new(usageError)) || errors.Is(err, ossappend.ErrInvalidArgument) {
		return exitUsage
	}
	return exitFailure
}

// reported is the failure of a command that printed it already, in its
// own format (pipe --log-format json): run sets the exit status by it.
type reported struct{ err error }

func (r reported) Error() string { return r.err.Error() }
func (r reported) Unwrap() error { return r.err }

// usageError is a mistake in the command line that the parser cannot see,
// such as a malformed oss:// URL.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// printHelp is kong's help, without the global flags that the command it
// is for has no use for.
func printHelp(options kong.HelpOptions, ctx *kong.Context) error {
	if sel := ctx.Selected(); sel != nil && sel.Target.CanAddr() {
		if c, ok := sel.Target.Addr().Interface().(interface{ ignoredGlobals() []string }); ok {
			for _, f := range ctx.Model.Flags {
				if !f.Hidden && slices.Contains(c.ignoredGlobals(), f.Name) {
					f.Hidden = true
					defer func() { f.Hidden = false }()
				}
			}
		}
	}
	return kong.DefaultHelpPrinter(options, ctx)
}

// version is what --version and the version command print: the module's
// version, or for a build from source the revision and time of the
// commit it was built from, and the Go toolchain.
func version() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(info) + " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// versionOf describes the build info: "ossappend v1.2.0", or "ossappend
// built from source at revision 0123456789ab of 2026-11-30 09:12 UTC, with
// changes not committed".
func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return "ossappend (no build information)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return "ossappend " + v
	}
	var rev, at, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				at = " of " + t.UTC().Format("2006-01-02 15:04 UTC")
			}
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", with changes not committed"
			}
		}
	}
	if rev == "" {
		return "ossappend built from source, of no known version or revision"
	}
	return "ossappend built from source at revision " + rev + at + modified
}

// durationFlag writes d as a flag's value is written: "10m", not "10m0s".
func durationFlag(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
