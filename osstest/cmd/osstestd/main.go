// Command osstestd runs an osstest server, an OSS-protocol server for
// tests, until it is interrupted.
//
// Usage:
//
//	osstestd [-addr 127.0.0.1:0] [-dir DIR] [-print-env] [-anonymous] [-v]
//
// It prints the server's endpoint on standard output, or with -print-env
// the OSS_TEST_* variables that the SDK's integration tests read:
// OSS_TEST_ENDPOINT, OSS_TEST_REGION, OSS_TEST_ACCESS_KEY_ID and
// OSS_TEST_ACCESS_KEY_SECRET. The credentials are osstest's fake ones
// unless -access-key-id and -access-key-secret give others.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ossappend/ossappend/osstest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	dir := flag.String("dir", "", "directory to keep buckets and objects in (default: memory only)")
	region := flag.String("region", osstest.Region, "region of the server")
	id := flag.String("access-key-id", osstest.AccessKeyID, "access key ID to accept")
	secret := flag.String("access-key-secret", osstest.AccessKeySecret, "access key secret to accept")
	anonymous := flag.Bool("anonymous", false, "accept unsigned requests")
	printEnv := flag.Bool("print-env", false, "print OSS_TEST_* variables instead of the endpoint")
	verbose := flag.Bool("v", false, "log every request to standard error")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	opts := []osstest.Option{
		osstest.WithAddr(*addr),
		osstest.WithRegion(*region),
		osstest.WithCredentials(*id, *secret),
		osstest.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))),
	}
	if *dir != "" {
		opts = append(opts, osstest.WithDir(*dir))
	}
	if *anonymous {
		opts = append(opts, osstest.WithAnonymous())
	}
	srv, err := osstest.Start(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "osstestd:", err)
		os.Exit(1)
	}
	if *printEnv {
		fmt.Printf("OSS_TEST_ENDPOINT=%s\nOSS_TEST_REGION=%s\nOSS_TEST_ACCESS_KEY_ID=%s\nOSS_TEST_ACCESS_KEY_SECRET=%s\n",
			srv.Endpoint(), srv.Region(), *id, *secret)
	} else {
		fmt.Println(srv.Endpoint())
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	srv.Close()
}
