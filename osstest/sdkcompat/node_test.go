package sdkcompat

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// TestNodeSDK runs node/compat.js, which drives a server with the Node.js
// SDK, ali-oss: V1 signatures dated by x-oss-date alone, and V4. It needs
// node and the modules of node/package-lock.json (npm ci in node/); without
// them it is skipped, unless OSSAPPEND_CI=1 says they must be there.
func TestNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	modules := filepath.Join("node", "node_modules", "ali-oss")
	if err == nil {
		_, err = os.Stat(modules)
	}
	if err != nil {
		if os.Getenv("OSSAPPEND_CI") == "1" {
			t.Fatalf("OSSAPPEND_CI=1, but the Node.js SDK cannot run: %v (install node, and run npm ci in osstest/sdkcompat/node)", err)
		}
		t.Skipf("the Node.js SDK cannot run: %v (npm ci in osstest/sdkcompat/node)", err)
	}
	srv := osstest.NewServer()
	t.Cleanup(srv.Close)
	const bucket = "node-compat"
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	id, secret := srv.Credentials()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compat.js")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(),
		"OSS_TEST_ENDPOINT="+srv.Endpoint(), "OSS_TEST_REGION="+srv.Region(),
		"OSS_TEST_ACCESS_KEY_ID="+id, "OSS_TEST_ACCESS_KEY_SECRET="+secret, "OSS_TEST_BUCKET="+bucket)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node compat.js: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if n := srv.Counts().Requests["AppendObject"]; n != 6 {
		t.Errorf("%d AppendObject requests reached the server, want 6", n)
	}
}
