package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ossappend/ossappend/osstest"
)

// serveCmd is "ossappend serve": an osstest server as a process.
type serveCmd struct {
	Addr            string   `help:"TCP address to listen on; port 0 picks a free one (default ${default})." default:"127.0.0.1:9000" placeholder:"HOST:PORT"`
	Dir             string   `help:"Keep buckets and objects in DIR, across restarts (default: in memory only)." placeholder:"DIR" type:"path"`
	Bucket          []string `help:"Create this bucket at start; repeat, or separate names with commas, for more." placeholder:"NAME"`
	AccessKeyID     string   `help:"Access key ID the server accepts (default: osstest's fake one)." placeholder:"ID"`
	AccessKeySecret string   `help:"Access key secret the server accepts (default: osstest's fake one)." placeholder:"SECRET"`
}

// Run serves until SIGINT or SIGTERM. It prints on standard output the
// shell lines that point ossappend, and any program using the OSS SDK
// environment variables, at the server, and a note on standard error.
// The credentials it prints are the server's own, which it was given or
// made up: they open nothing else.
func (s *serveCmd) Run(g *globals, e *env) error {
	if (s.AccessKeyID == "") != (s.AccessKeySecret == "") {
		return usagef("give both --access-key-id and --access-key-secret, or neither")
	}
	id, secret := osstest.AccessKeyID, osstest.AccessKeySecret
	if s.AccessKeyID != "" {
		id, secret = s.AccessKeyID, s.AccessKeySecret
	}
	region := g.Region
	if region == "" {
		region = osstest.Region
	}
	opts := []osstest.Option{osstest.WithAddr(s.Addr), osstest.WithRegion(region), osstest.WithCredentials(id, secret)}
	where := "in memory"
	if s.Dir != "" {
		opts = append(opts, osstest.WithDir(s.Dir))
		where = "in " + s.Dir
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := osstest.Start(opts...)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer srv.Close()
	for _, b := range s.Bucket {
		if err := srv.CreateBucket(b); err != nil {
			return fmt.Errorf("serve: create bucket %q: %w", b, err)
		}
	}
	fmt.Fprintf(e.stdout, "export OSS_ENDPOINT=%s\nexport OSS_REGION=%s\nexport %s=%s\nexport %s=%s\n",
		srv.Endpoint(), srv.Region(), envAccessKeyID, id, envAccessKeySecret, secret)
	fmt.Fprintf(e.stderr, "ossappend: OSS-protocol test server on %s, region %s, data %s", srv.Endpoint(), srv.Region(), where)
	if len(s.Bucket) > 0 {
		fmt.Fprintf(e.stderr, ", buckets %v", s.Bucket)
	}
	fmt.Fprintln(e.stderr, ".\nossappend: run the export lines above in another shell; stop the server with Ctrl-C.")
	<-ctx.Done()
	return nil
}
