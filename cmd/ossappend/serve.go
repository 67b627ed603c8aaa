package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ossappend/ossappend/osstest"
)

// serveCmd is "ossappend serve": an osstest server as a process.
type serveCmd struct {
	Addr            string   `help:"TCP address to listen on; port 0 picks a free one. An address other than loopback needs --access-key-id and --access-key-secret (default ${default})." default:"127.0.0.1:9000" placeholder:"HOST:PORT"`
	Dir             string   `help:"Keep buckets and objects in DIR, across restarts (default: in memory only)." placeholder:"DIR" type:"path"`
	Bucket          []string `help:"Create this bucket at start; repeat, or separate names with commas, for more." placeholder:"NAME"`
	AccessKeyID     string   `help:"Access key ID the server accepts (default: osstest's built-in one, which is public; allowed on loopback only)." placeholder:"ID"`
	AccessKeySecret string   `help:"Access key secret the server accepts (default: osstest's built-in one, which is public; allowed on loopback only)." placeholder:"SECRET"`
}

// ignoredGlobals are the global flags serve has no use for: its help
// leaves them out.
func (*serveCmd) ignoredGlobals() []string { return []string{"endpoint", "local", "profile"} }

// Run serves until SIGINT or SIGTERM. It prints on standard output the
// shell lines that point ossappend, and any program using the OSS SDK
// environment variables, at the server, and a note on standard error.
// The credentials it prints are the server's own, which it was given or
// are osstest's: they open nothing else.
func (s *serveCmd) Run(g *globals, e *env) error {
	if err := g.refuse("serve", "--dir DIR keeps the server's data in DIR"); err != nil {
		return err
	}
	if (s.AccessKeyID == "") != (s.AccessKeySecret == "") {
		return usagef("give both --access-key-id and --access-key-secret, or neither")
	}
	for _, b := range s.Bucket {
		if err := validBucketName(b); err != nil {
			return usagef("--bucket: %w", err)
		}
	}
	addr, err := net.ResolveTCPAddr("tcp", s.Addr)
	if err != nil {
		return usagef("--addr %s: %w", s.Addr, err)
	}
	id, secret := osstest.AccessKeyID, osstest.AccessKeySecret
	if s.AccessKeyID != "" {
		id, secret = s.AccessKeyID, s.AccessKeySecret
	}
	if !addr.IP.IsLoopback() && secret == osstest.AccessKeySecret {
		return usagef("serve --addr %s: the address is not loopback, and osstest's built-in credentials are public: "+
			"pass --access-key-id and --access-key-secret of your own", s.Addr)
	}
	region := g.Region
	if region == "" {
		region = osstest.Region
	}
	// Listen on the address just checked, not on another resolution of
	// the name.
	opts := []osstest.Option{osstest.WithAddr(addr.String()), osstest.WithRegion(region), osstest.WithCredentials(id, secret)}
	where := "in memory"
	if s.Dir != "" {
		opts = append(opts, osstest.WithDir(s.Dir), osstest.WithWarnings(warnTo(e.stderr)))
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
			return fmt.Errorf("serve: %w", err)
		}
	}
	l := listening(srv.Addr(), addr.IP)
	if l.everywhere {
		fmt.Fprintf(e.stdout, "# listening on every interface (%s): from another host, put this host's address in OSS_ENDPOINT\n", l.addr)
	}
	fmt.Fprintf(e.stdout, "export OSS_ENDPOINT=%s\nexport OSS_REGION=%s\nexport %s=%s\nexport %s=%s\n",
		l.endpoint, srv.Region(), envAccessKeyID, id, envAccessKeySecret, secret)
	var note strings.Builder
	fmt.Fprintf(&note, "ossappend: OSS-protocol test server on %s, region %s, data %s", l, srv.Region(), where)
	if len(s.Bucket) > 0 {
		fmt.Fprintf(&note, ", buckets %v", s.Bucket)
	}
	note.WriteString(".\nossappend: plain HTTP, for tests only; run the export lines above in another shell; stop the server with Ctrl-C.\n")
	fmt.Fprint(e.stderr, note.String())
	<-ctx.Done()
	return nil
}

// listenAddr is where serve listens, as its messages name it.
type listenAddr struct {
	addr       string // the address listened on, such as 0.0.0.0:9000
	endpoint   string // the URL that reaches it from this host
	everywhere bool   // listening on every interface
	loopback   bool
}

// listening describes the listener at a, made for the IP asked for (nil
// for every interface).
func listening(a net.Addr, asked net.IP) listenAddr {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return listenAddr{addr: a.String(), endpoint: "http://" + a.String()}
	}
	l := listenAddr{addr: tcp.String(), loopback: tcp.IP.IsLoopback()}
	host := tcp.IP
	if asked == nil || asked.IsUnspecified() {
		l.everywhere = true
		host = net.IPv4(127, 0, 0, 1)
		switch {
		case asked == nil: // all of IPv4 and IPv6, as the listener says
		case asked.To4() != nil: // Go may listen on [::] for it: name it as asked
			l.addr = net.JoinHostPort(asked.String(), fmt.Sprint(tcp.Port))
		default:
			host = net.IPv6loopback // "::" may be IPv6 only
		}
	}
	l.endpoint = "http://" + net.JoinHostPort(host.String(), fmt.Sprint(tcp.Port))
	return l
}

func (l listenAddr) String() string {
	switch {
	case l.everywhere:
		return fmt.Sprintf("every interface (%s; from this host %s)", l.addr, l.endpoint)
	case l.loopback:
		return l.endpoint + " (loopback only)"
	}
	return l.endpoint
}
