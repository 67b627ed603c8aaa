package osstest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// Example starts a server, creates a bucket, appends to an object with the
// SDK and reads it back, as a test would.
func Example() {
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket("logs"); err != nil {
		panic(err)
	}
	client := srv.Client()

	ctx := context.Background()
	if _, err := client.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr("logs"), Key: oss.Ptr("app.log"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("hello\n"),
	}); err != nil {
		panic(err)
	}
	g, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("logs"), Key: oss.Ptr("app.log")})
	if err != nil {
		panic(err)
	}
	defer g.Body.Close()
	data, _ := io.ReadAll(g.Body)
	fmt.Printf("%s object: %s", oss.ToString(g.ObjectType), data)
	// Output: Appendable object: hello
}

func ExampleNewServer() {
	srv := osstest.NewServer()
	defer srv.Close()
	client := srv.Client()

	ctx := context.Background()
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("example")}); err != nil {
		panic(err)
	}
	var pos int64
	for _, line := range []string{"first line\n", "second line\n"} {
		r, err := client.AppendObject(ctx, &oss.AppendObjectRequest{
			Bucket: oss.Ptr("example"), Key: oss.Ptr("app.log"), Position: oss.Ptr(pos), Body: strings.NewReader(line),
		})
		if err != nil {
			panic(err)
		}
		pos = r.NextPosition
	}
	data, _ := srv.Object("example", "app.log")
	fmt.Printf("%d bytes:\n%s", pos, data)
	// Output:
	// 23 bytes:
	// first line
	// second line
}

func ExampleWithFaults() {
	// The first AppendObject is applied but its answer is lost; the SDK
	// retries it and learns that the position moved.
	srv := osstest.NewServer(osstest.WithFaults(1, osstest.Fault{
		Op: "AppendObject", Kind: osstest.FaultDropResponse, Limit: 1,
	}))
	defer srv.Close()
	if err := srv.CreateBucket("example"); err != nil {
		panic(err)
	}
	_, err := srv.Client().AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr("example"), Key: oss.Ptr("k"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("data"),
	})
	var se *oss.ServiceError
	if errors.As(err, &se) {
		fmt.Println(se.Code, "next position", se.Headers.Get("x-oss-next-append-position"))
	}
	data, _ := srv.Object("example", "k")
	counts := srv.Counts()
	fmt.Printf("%q after %d requests, %d dropped\n", data, counts.Requests["AppendObject"], counts.Faults[osstest.FaultDropResponse])
	// Output:
	// PositionNotEqualToLength next position 4
	// "data" after 2 requests, 1 dropped
}

func ExampleServer_SetFaults() {
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket("example"); err != nil {
		panic(err)
	}
	client := srv.Client()
	list := func() error {
		_, err := client.ListObjects(context.Background(), &oss.ListObjectsRequest{Bucket: oss.Ptr("example")},
			func(o *oss.Options) { o.RetryMaxAttempts = oss.Ptr(1) })
		return err
	}

	srv.SetFaults(1, osstest.Fault{Kind: osstest.FaultError503}) // OSS goes down
	var se *oss.ServiceError
	if errors.As(list(), &se) {
		fmt.Println("down:", se.StatusCode, se.Code)
	}
	srv.SetFaults(1) // and comes back
	fmt.Println("up:", list() == nil)
	// Output:
	// down: 503 ServiceUnavailable
	// up: true
}

func ExampleServer_Config() {
	srv := osstest.NewServer()
	defer srv.Close()
	// A V1-signing client with its own settings.
	client := oss.NewClient(srv.Config().WithSignatureVersion(oss.SignatureVersionV1).WithRetryMaxAttempts(1))
	ctx := context.Background()
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("example")}); err != nil {
		panic(err)
	}
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("example"), Key: oss.Ptr("k"), Body: strings.NewReader("v1")}); err != nil {
		panic(err)
	}
	g, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("example"), Key: oss.Ptr("k")})
	if err != nil {
		panic(err)
	}
	defer g.Body.Close()
	data, _ := io.ReadAll(g.Body)
	fmt.Println(string(data))
	// Output: v1
}

func ExampleWithoutSeal() {
	// As on most accounts, SealAppendObject is not available.
	srv := osstest.NewServer(osstest.WithoutSeal())
	defer srv.Close()
	if err := srv.CreateBucket("logs"); err != nil {
		panic(err)
	}
	client := srv.Client()
	ctx := context.Background()
	if _, err := client.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr("logs"), Key: oss.Ptr("app.log"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("x"),
	}); err != nil {
		panic(err)
	}
	_, err := client.SealAppendObject(ctx, &oss.SealAppendObjectRequest{
		Bucket: oss.Ptr("logs"), Key: oss.Ptr("app.log"), Position: oss.Ptr(int64(1)),
	})
	var se *oss.ServiceError
	if errors.As(err, &se) {
		fmt.Println(se.StatusCode, se.Code, se.EC)
	}
	// Output: 400 OperationNotSupported 0016-00000513
}
