package ossread_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// Read the chain of a log, the objects its writer rotated to in order, as
// one stream, decoding each object.
func ExampleNewReader() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")
	client := srv.Client()
	ctx := context.Background()

	// A writer whose objects hold two lines: it rotates from logs/app.log
	// to logs/app.1.log, then logs/app.2.log.
	w, err := ossappend.NewWriter(ctx, client, "examples", "logs/app.log",
		ossappend.WithFlushSize(32), ossappend.WithMaxObjectSize(40))
	if err != nil {
		log.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(w, "request %d served\n", i)
		w.Flush()
	}
	w.Close()

	r, err := ossread.NewReader(ctx, client, "examples", "logs/app.log", ossread.WithDecode())
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	if _, err := io.Copy(os.Stdout, r); err != nil {
		log.Fatal(err)
	}
	fmt.Println("last object:", r.Key())
	// Output:
	// request 1 served
	// request 2 served
	// request 3 served
	// request 4 served
	// request 5 served
	// last object: logs/app.2.log
}

// Follow the chain of a log as tail -F follows a rotated file: the Reader
// moves on to each object the writer rotates to.
func ExampleNewReader_follow() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")
	client := srv.Client()
	ctx := context.Background()

	// A writer whose objects hold one line each.
	w, err := ossappend.NewWriter(ctx, client, "examples", "logs/app.log",
		ossappend.WithFlushSize(20), ossappend.WithMaxObjectSize(20))
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintln(w, "service started")
	w.Flush()

	r, err := ossread.NewReader(ctx, client, "examples", "logs/app.log",
		ossread.WithFollow(), ossread.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	lines := bufio.NewScanner(r)
	lines.Scan()
	fmt.Println(lines.Text(), "in", r.Key())

	for i := 1; i <= 3; i++ {
		fmt.Fprintf(w, "request %d served\n", i)
		w.Flush()
		lines.Scan()
		fmt.Println(lines.Text(), "in", r.Key())
	}
	// Output:
	// service started in logs/app.log
	// request 1 served in logs/app.1.log
	// request 2 served in logs/app.2.log
	// request 3 served in logs/app.3.log
}
