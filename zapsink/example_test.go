package zapsink_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
	"github.com/ossappend/ossappend/zapsink"
	"go.uber.org/zap"
)

// A zap configuration whose output is an appendable OSS object. With real
// OSS, zapsink.Register() alone lets the sink build its client from
// OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_REGION; the example
// registers a client of osstest, an OSS-protocol server on loopback.
func Example() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")
	if err := zapsink.RegisterClient("", srv.Client()); err != nil {
		log.Fatal(err)
	}
	defer zapsink.CloseAll()

	cfg := zap.NewProductionConfig()
	cfg.OutputPaths = []string{"oss://app-logs/api/app.log.zst?flush=1s"}
	cfg.EncoderConfig.TimeKey = "" // no timestamps, to keep the output stable
	cfg.DisableCaller = true
	cfg.DisableStacktrace = true
	logger, err := cfg.Build()
	if err != nil {
		log.Fatal(err)
	}
	logger.Info("request served", zap.String("path", "/orders"), zap.Int("status", 200))
	logger.Error("payment refused", zap.String("order", "A-1042"))
	if err := logger.Sync(); err != nil { // the lines are in OSS now
		log.Fatal(err)
	}

	res, err := srv.Client().GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr("app-logs"), Key: oss.Ptr("api/app.log.zst")})
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	text, err := io.ReadAll(compress.NewReader(res.Body))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(text))
	// Output:
	// {"level":"info","msg":"request served","path":"/orders","status":200}
	// {"level":"error","msg":"payment refused","order":"A-1042"}
}
