package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
)

// lsLine is a line of ls: an object's or a folder's.
type lsLine struct {
	size, state, codec, url string
	folder                  bool
}

var (
	lsObjectLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(\d+(?:\.\d)?(?: [KMG]?i?B)?) +(\w+) +(\S+) +(oss://\S+)$`)
	lsFolderLine = regexp.MustCompile(`^ +folder +(oss://\S+/)$`)
)

// runLs runs ls and parses its lines.
func runLs(t *testing.T, srv *testServer, args ...string) []lsLine {
	t.Helper()
	r := mustRunBin(t, srv.env(), "", srv.args(append([]string{"ls"}, args...)...)...)
	var lines []lsLine
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if m := lsObjectLine.FindStringSubmatch(l); m != nil {
			lines = append(lines, lsLine{size: m[1], state: m[2], codec: m[3], url: m[4]})
		} else if m := lsFolderLine.FindStringSubmatch(l); m != nil {
			lines = append(lines, lsLine{url: m[1], folder: true})
		} else {
			t.Fatalf("ls %v printed a line of no known form: %q", args, l)
		}
	}
	return lines
}

func urls(lines []lsLine) []string {
	var u []string
	for _, l := range lines {
		u = append(u, l.url)
	}
	return u
}

// TestLs lists a prefix one level deep and at any depth, and a chain in
// rotation order, each object with its state and codec.
func TestLs(t *testing.T) {
	srv := newTestServer(t)
	ctx := context.Background()
	_, chain := writeChainOf(t, srv, "logs/app.log.zst", compress.Zstd(1), "ls", 1500)
	mustRunBin(t, srv.env(), "plain\n", srv.args("pipe", "-q", url("logs/plain.log"))...)
	mustRunBin(t, srv.env(), "sealed\n", srv.args("pipe", "-q", url("logs/sealed.log"))...)
	if _, err := srv.client.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("logs/sealed.log"), Position: oss.Ptr(int64(7))}); err != nil {
		t.Fatal(err)
	}
	for key, ct := range map[string]string{"logs/put.gz": "application/gzip", "logs/put.bin": "application/octet-stream"} {
		if _, err := srv.client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
			Body: strings.NewReader(strings.Repeat("x", 2000)), ContentType: oss.Ptr(ct)}); err != nil {
			t.Fatal(err)
		}
	}
	mustRunBin(t, srv.env(), "deep\n", srv.args("pipe", "-q", url("logs/dt=2026-11-30/host.log"))...)

	top := runLs(t, srv, url("logs/"))
	byURL := map[string]lsLine{}
	for _, l := range top {
		byURL[l.url] = l
	}
	for u, want := range map[string]lsLine{
		url("logs/app.log.zst"): {state: "appendable", codec: "zstd"},
		url("logs/plain.log"):   {state: "appendable", codec: "none", size: "6 B"},
		url("logs/sealed.log"):  {state: "sealed", codec: "none", size: "7 B"},
		url("logs/put.gz"):      {state: "normal", codec: "gzip", size: "2.0 KiB"},
		url("logs/put.bin"):     {state: "normal", codec: "-", size: "2.0 KiB"},
	} {
		got, ok := byURL[u]
		if !ok || got.state != want.state || got.codec != want.codec || want.size != "" && got.size != want.size {
			t.Errorf("ls shows %s as %+v, want %+v", u, got, want)
		}
	}
	if l := byURL[url("logs/dt=2026-11-30/")]; !l.folder {
		t.Errorf("ls does not show the folder logs/dt=2026-11-30/: %v", urls(top))
	}
	if _, ok := byURL[url("logs/dt=2026-11-30/host.log")]; ok {
		t.Errorf("ls without -r shows what is in a folder: %v", urls(top))
	}

	all := runLs(t, srv, "-r", "--bytes", url("logs/"))
	found := false
	for _, l := range all {
		found = found || l.url == url("logs/dt=2026-11-30/host.log") && l.size == "5"
		if l.folder {
			t.Errorf("ls -r shows a folder: %s", l.url)
		}
	}
	if !found || len(all) != len(chain)+5 {
		t.Errorf("ls -r --bytes shows %d objects, want %d with logs/dt=2026-11-30/host.log of 5 bytes: %v", len(all), len(chain)+5, urls(all))
	}

	lines := runLs(t, srv, "--bytes", url("logs/app.log.zst"))
	var want []string
	for _, k := range chain {
		want = append(want, url(k))
	}
	if got := urls(lines); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ls of the chain shows\n%v\nwant\n%v", got, want)
	}
	for i, l := range lines {
		obj, _ := srv.Object(testBucket, chain[i])
		if l.size != strconv.Itoa(len(obj)) || l.codec != "zstd" {
			t.Errorf("%s: size %s, codec %s; want %d bytes, zstd", l.url, l.size, l.codec, len(obj))
		}
	}
}
