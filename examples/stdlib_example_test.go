package examples_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// readObject returns an object's contents, decoded.
func readObject(client *oss.Client, bucket, key string) string {
	res, err := client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: &bucket, Key: &key})
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	dec, _ := compress.NewReader(res.Body)
	defer dec.Close()
	text, err := io.ReadAll(dec)
	if err != nil {
		log.Fatal(err)
	}
	return string(text)
}

// A program sends its standard logger to an appendable object and closes
// the writer on the way out, which stores what is still buffered.
func Example_logSetOutput() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")
	client := srv.Client()

	w, err := ossappend.NewWriter(context.Background(), client, "app-logs", "api/2026-11-25.log")
	if err != nil {
		log.Fatal(err)
	}
	logger := log.New(w, "api: ", log.Lmsgprefix) // log.SetOutput(w) does the same for the standard logger
	logger.Println("listening on :8080")
	logger.Printf("GET /orders/%d 200", 1042)
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	fmt.Print(readObject(client, "app-logs", "api/2026-11-25.log"))
	// Output:
	// api: listening on :8080
	// api: GET /orders/1042 200
}

// Structured logs from log/slog, one JSON object a line, in gzip frames:
// the object decodes with gzip -dc as well as with compress.NewReader.
func Example_slog() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")
	client := srv.Client()

	w, err := ossappend.NewWriter(context.Background(), client, "app-logs", "api/app.json.gz",
		ossappend.WithCodec(compress.Gzip(compress.DefaultGzipLevel)))
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // no timestamps, to keep the output stable
			}
			return a
		},
	}))
	logger.Info("order placed", "order", 1042, "amount", 99.5)
	logger.Warn("payment slow", "order", 1042, "ms", 1830)
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	fmt.Print(readObject(client, "app-logs", "api/app.json.gz"))
	// Output:
	// {"level":"INFO","msg":"order placed","order":1042,"amount":99.5}
	// {"level":"WARN","msg":"payment slow","order":1042,"ms":1830}
}

// Ship a file into an object with io.Copy, compressed with zstd. io.Copy
// uses the writer's ReadFrom, which reads straight into its frame buffers.
func Example_ioCopy() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")
	client := srv.Client()

	dir, err := os.MkdirTemp("", "ossappend-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "access.log")
	os.WriteFile(path, []byte(strings.Repeat("GET /healthz 200 1ms\n", 50000)), 0o644)

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	w, err := ossappend.NewWriter(context.Background(), client, "app-logs", "archive/access.log.zst",
		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)))
	if err != nil {
		log.Fatal(err)
	}
	n, err := io.Copy(w, f)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	st := w.Stats()
	fmt.Println(n, "bytes copied,", st.BytesStored, "stored")
	fmt.Println("compressed more than 100 times:", st.BytesAppended*100 < st.BytesStored)
	fmt.Println(strings.Count(readObject(client, "app-logs", "archive/access.log.zst"), "\n"), "lines read back")
	// Output:
	// 1050000 bytes copied, 1050000 stored
	// compressed more than 100 times: true
	// 50000 lines read back
}
