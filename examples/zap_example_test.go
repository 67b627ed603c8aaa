package examples_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// A zap logger writing to an appendable object. A *ossappend.Writer is a
// zapcore.WriteSyncer: logger.Sync flushes it, so what was logged before
// Sync is stored in OSS when Sync returns.
func Example_zap() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")
	client := srv.Client()

	w, err := ossappend.NewWriter(context.Background(), client, "app-logs", "worker/zap.json.zst",
		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)))
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "" // no timestamps, to keep the output stable
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(w), zap.InfoLevel)
	logger := zap.New(core)
	logger.Info("job done", zap.String("job", "resize"), zap.Int("images", 12))
	logger.Error("job failed", zap.String("job", "upload"), zap.Error(fmt.Errorf("quota exceeded")))
	if err := logger.Sync(); err != nil { // flushes w: the lines are in OSS now
		log.Fatal(err)
	}

	fmt.Print(readObject(client, "app-logs", "worker/zap.json.zst"))
	// Output:
	// {"level":"info","msg":"job done","job":"resize","images":12}
	// {"level":"error","msg":"job failed","job":"upload","error":"quota exceeded"}
}

// readObject returns an object's contents, decoded.
func readObject(client *oss.Client, bucket, key string) string {
	res, err := client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: &bucket, Key: &key})
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	dec := compress.NewReader(res.Body)
	defer dec.Close()
	text, err := io.ReadAll(dec)
	if err != nil {
		log.Fatal(err)
	}
	return string(text)
}
