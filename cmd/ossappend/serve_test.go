package main

import (
	"context"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// TestServe runs serve on a free port, reads the export lines it prints,
// talks to it with the SDK and with pipe and cat, and stops it.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	p := start(t, cleanEnv(), "serve", "--addr", "127.0.0.1:0", "--dir", dir, "--bucket", "served",
		"--access-key-id", "my-id", "--access-key-secret", "my-secret")
	vars := map[string]string{}
	for range 4 {
		line := p.stdout.next(t)
		kv, ok := strings.CutPrefix(line, "export ")
		name, value, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 {
			t.Fatalf("serve printed %q, want an export line", line)
		}
		vars[name] = value
	}
	if vars["OSS_ACCESS_KEY_ID"] != "my-id" || vars["OSS_ACCESS_KEY_SECRET"] != "my-secret" || vars["OSS_REGION"] == "" {
		t.Fatalf("serve exported %v", vars)
	}

	client := oss.NewClient(oss.NewConfig().
		WithEndpoint(vars["OSS_ENDPOINT"]).WithRegion(vars["OSS_REGION"]).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("my-id", "my-secret")))
	ctx := context.Background()
	_, err := client.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr("served"), Key: oss.Ptr("sdk.log"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("from the SDK\n"),
	})
	if err != nil {
		t.Fatalf("AppendObject to serve: %v", err)
	}
	res, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("served"), Key: oss.Ptr("sdk.log")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(got) != "from the SDK\n" {
		t.Fatalf("GetObject = %q", got)
	}

	// The export lines are the whole setup the other commands need.
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	env = cleanEnv(env...)
	mustRunBin(t, env, "from pipe\n", "pipe", "oss://served/pipe.log.zst")
	if r := mustRunBin(t, env, "", "cat", "oss://served/pipe.log.zst"); r.stdout != "from pipe\n" {
		t.Fatalf("cat printed %q", r.stdout)
	}

	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("serve exited %d; stderr: %q", code, p.stderr.String())
	}
	// --dir kept the objects.
	r := mustRunBin(t, cleanEnv(), "", "--local", dir, "cat", "oss://served/sdk.log")
	if r.stdout != "from the SDK\n" {
		t.Fatalf("after serve stopped, --local cat printed %q", r.stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 {
		t.Fatal("serve --dir left nothing in the directory")
	}
}
