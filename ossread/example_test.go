package ossread_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// Follow a compressed log object as it grows, as tail -f follows a file,
// while a Writer appends to it.
func ExampleFollower() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("examples")
	client := srv.Client()
	ctx := context.Background()

	w, err := ossappend.NewWriter(ctx, client, "examples", "logs/app.log.zst",
		ossappend.WithCodec(compress.Zstd(3)))
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintln(w, "service started")
	w.Flush()

	// WithDecode decodes each frame as soon as it is stored, by the codec
	// the writer recorded with the object.
	f, err := ossread.NewFollower(ctx, client, "examples", "logs/app.log.zst",
		ossread.WithDecode(), ossread.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)

	lines.Scan()
	fmt.Println(lines.Text())

	fmt.Fprintln(w, "request served") // appended after the Follower started
	w.Flush()
	lines.Scan()
	fmt.Println(lines.Text())
	// Output:
	// service started
	// request served
}
