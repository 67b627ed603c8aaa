package main

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"
)

// cli is the command line: the global flags and one field a command.
type cli struct {
	globals

	Version kong.VersionFlag `help:"Print the version and exit."`

	Demo       demoCmd    `cmd:"" help:"See ossappend work: stream logs into an embedded OSS server, read them back and verify them."`
	Pipe       pipeCmd    `cmd:"" help:"Copy standard input (or files) into an appendable object, whole lines at a time."`
	Cat        catCmd     `cmd:"" help:"Print an object and the objects it was rotated to, or every object under a prefix, decoded; with -f, follow them as tail -F does."`
	Ls         lsCmd      `cmd:"" help:"List objects with their size, state (appendable or sealed), codec and time; -r lists a prefix at any depth, a key lists its chain."`
	Serve      serveCmd   `cmd:"" help:"Run an OSS-protocol test server (osstest) until interrupted; --region sets its region."`
	Doctor     doctorCmd  `cmd:"" help:"Check a bucket and the credentials against every assumption the library makes, under a scratch prefix it removes; run it once before trusting a bucket with logs."`
	VersionCmd versionCmd `cmd:"" name:"version" help:"Print the version: the module's, or the revision and time of the commit it was built from."`
	Help       helpCmd    `cmd:"" help:"Show help for ossappend or one of its commands."`
}

// versionCmd is "ossappend version": --version, as a command.
type versionCmd struct{}

// ignoredGlobals: version uses no global flag.
func (*versionCmd) ignoredGlobals() []string {
	return []string{"endpoint", "region", "local", "profile"}
}

// Run prints the version.
func (*versionCmd) Run(e *env) error {
	_, err := fmt.Fprintln(e.stdout, version())
	return err
}

// globals are the flags every command takes, before or after its name.
type globals struct {
	Endpoint string `help:"OSS endpoint, such as https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000 (default: the region's public endpoint)." env:"OSS_ENDPOINT" placeholder:"URL"`
	Region   string `help:"OSS region, such as cn-hangzhou." env:"OSS_REGION" placeholder:"REGION"`
	Local    string `help:"Use an OSS server embedded in this process, keeping its data in DIR, instead of --endpoint; buckets are created on demand and no credentials are needed." placeholder:"DIR" type:"path"`
	Profile  string `help:"Take the credentials from this profile of the aliyun CLI's configuration (~/.aliyun/config.json) or of ~/.alibabacloud/credentials (default: the environment, then the Alibaba Cloud default credential chain)." placeholder:"NAME"`
}

// refuse returns a usage error if a global flag that cmd has no use for
// was given: --local, for which dirHint names cmd's own flag, or
// --profile. (--endpoint and --region come from the environment too, so
// their presence proves nothing: they are only left out of cmd's help.)
func (g *globals) refuse(cmd, dirHint string) error {
	if g.Local != "" {
		return usagef("%s does not use --local: %s", cmd, dirHint)
	}
	if g.Profile != "" {
		return usagef("%s does not use --profile: it needs no credentials", cmd)
	}
	return nil
}

// helpCmd is "ossappend help [COMMAND]": --help, as a command.
type helpCmd struct {
	Command []string `arg:"" optional:"" help:"The command to show help for."`
}

// Run prints the help of the command named, or of ossappend.
func (h *helpCmd) Run(kctx *kong.Context) error {
	ctx, err := kong.Trace(kctx.Kong, h.Command)
	if err == nil {
		err = ctx.Error
	}
	if err != nil {
		return usagef("help %s: no such command: want demo, pipe, cat, ls, serve, doctor or version", strings.Join(h.Command, " "))
	}
	return ctx.PrintUsage(false)
}
