package main

import (
	"context"
	"errors"
	"net"
	nurl "net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend/osstest"
)

// readExports reads what serve prints on standard output up to its fourth
// export line: the variables, and the comment lines among them.
func readExports(t *testing.T, p *process) (vars map[string]string, comments []string) {
	t.Helper()
	vars = map[string]string{}
	for len(vars) < 4 {
		line := p.stdout.next(t)
		if strings.HasPrefix(line, "#") {
			comments = append(comments, line)
			continue
		}
		kv, ok := strings.CutPrefix(line, "export ")
		name, value, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 {
			t.Fatalf("serve printed %q, want an export line", line)
		}
		vars[name] = value
	}
	return vars, comments
}

// stopServe stops serve with SIGTERM and checks that it exits 0.
func stopServe(t *testing.T, p *process) {
	t.Helper()
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("serve exited %d; stderr: %q", code, p.stderr.String())
	}
}

// sdkClient is an SDK client for the server the export lines point at,
// signing with secret.
func sdkClient(vars map[string]string, secret string) *oss.Client {
	return oss.NewClient(oss.NewConfig().
		WithEndpoint(vars["OSS_ENDPOINT"]).WithRegion(vars["OSS_REGION"]).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(vars["OSS_ACCESS_KEY_ID"], secret)))
}

func appendOnce(client *oss.Client, bucket, key string) error {
	_, err := client.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(0)), Body: strings.NewReader("x\n"),
	})
	return err
}

// TestServeLoopbackBuiltInCredentials: on loopback, serve starts with
// osstest's built-in credentials, as it always has, and the export lines
// are all another shell needs.
func TestServeLoopbackBuiltInCredentials(t *testing.T) {
	p := start(t, cleanEnv(), "serve", "--addr", "127.0.0.1:0", "--bucket", "served")
	vars, comments := readExports(t, p)
	if vars["OSS_ACCESS_KEY_ID"] != osstest.AccessKeyID || vars["OSS_ACCESS_KEY_SECRET"] != osstest.AccessKeySecret {
		t.Errorf("serve exported %v, want the built-in credentials", vars)
	}
	if len(comments) != 0 {
		t.Errorf("serve printed comments on loopback: %q", comments)
	}
	u, err := nurl.Parse(vars["OSS_ENDPOINT"])
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "0" {
		t.Fatalf("OSS_ENDPOINT=%s, want 127.0.0.1 and the port picked", vars["OSS_ENDPOINT"])
	}
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	mustRunBin(t, cleanEnv(env...), "from pipe\n", "pipe", "oss://served/pipe.log")
	stopServe(t, p)
	if s := p.stderr.String(); !strings.Contains(s, u.Host) {
		t.Errorf("the start-up message does not name %s: %q", u.Host, s)
	}
}

// TestServeRefusesBuiltInCredentialsOffLoopback: an address other hosts
// can reach needs credentials of the user's own; the built-in ones are
// public.
func TestServeRefusesBuiltInCredentialsOffLoopback(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:0"},
		{"--addr", ":0"},
		{"--addr", "0.0.0.0:0", "--access-key-id", osstest.AccessKeyID, "--access-key-secret", osstest.AccessKeySecret},
	} {
		r := runBin(t, cleanEnv(), "", append([]string{"serve"}, args...)...)
		checkFailure(t, r, exitUsage, "not loopback", "--access-key-id", "--access-key-secret")
		if r.stdout != "" {
			t.Errorf("serve %v printed %q", args, r.stdout)
		}
	}
}

// TestServeOpenAddressOwnCredentials: on every interface, with credentials
// of its own, serve starts, says where it listens, and refuses a wrong
// secret.
func TestServeOpenAddressOwnCredentials(t *testing.T) {
	p := start(t, cleanEnv(), "serve", "--addr", "0.0.0.0:0", "--bucket", "open",
		"--access-key-id", "own-id", "--access-key-secret", "own-secret-value")
	vars, comments := readExports(t, p)
	if vars["OSS_ACCESS_KEY_ID"] != "own-id" || vars["OSS_ACCESS_KEY_SECRET"] != "own-secret-value" {
		t.Fatalf("serve exported %v", vars)
	}
	u, err := nurl.Parse(vars["OSS_ENDPOINT"])
	if err != nil || u.Port() == "0" {
		t.Fatalf("OSS_ENDPOINT=%s", vars["OSS_ENDPOINT"])
	}
	if len(comments) != 1 || !strings.Contains(comments[0], "every interface") || !strings.Contains(comments[0], "0.0.0.0:"+u.Port()) {
		t.Errorf("serve's comments %q do not say that it listens on every interface, 0.0.0.0:%s", comments, u.Port())
	}
	if err := appendOnce(sdkClient(vars, "own-secret-value"), "open", "right.log"); err != nil {
		t.Fatalf("the right secret was refused: %v", err)
	}
	err = appendOnce(sdkClient(vars, "a-wrong-secret"), "open", "wrong.log")
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 403 {
		t.Fatalf("a wrong secret got %v, want 403", err)
	}
	stopServe(t, p)
	if s := p.stderr.String(); !strings.Contains(s, "every interface") {
		t.Errorf("the start-up message does not say that serve listens on every interface: %q", s)
	}
}

// TestServeNamesItsAddress listens on an address of this host that is not
// loopback: the export lines name it.
func TestServeNamesItsAddress(t *testing.T) {
	ip := nonLoopbackIPv4(t)
	p := start(t, cleanEnv(), "serve", "--addr", net.JoinHostPort(ip, "0"), "--bucket", "named",
		"--access-key-id", "own-id", "--access-key-secret", "own-secret-value")
	vars, _ := readExports(t, p)
	u, err := nurl.Parse(vars["OSS_ENDPOINT"])
	if err != nil || u.Hostname() != ip {
		t.Fatalf("OSS_ENDPOINT=%s, want host %s", vars["OSS_ENDPOINT"], ip)
	}
	if err := appendOnce(sdkClient(vars, "own-secret-value"), "named", "k.log"); err != nil {
		t.Fatal(err)
	}
	stopServe(t, p)
	if s := p.stderr.String(); !strings.Contains(s, u.Host) {
		t.Errorf("the start-up message does not name %s: %q", u.Host, s)
	}
}

// nonLoopbackIPv4 returns an IPv4 address of this host that is not
// loopback, or skips the test.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("no interface addresses: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this host has no IPv4 address besides loopback")
	return ""
}
