package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
)

// lsCmd is "ossappend ls": objects, with what pipe and cat need to know
// of them.
type lsCmd struct {
	Recursive bool `short:"r" help:"List every object under the prefix, at any depth, instead of one level and its folders."`
	Bytes     bool `help:"Show sizes in bytes, not in KiB, MiB and GiB."`

	Object string `arg:"" name:"oss-url" help:"What to list: oss://BUCKET or oss://BUCKET/PREFIX/, the objects and folders under it; oss://BUCKET/KEY, the chain of KEY (the object and the objects a writer rotated to after it)."`
}

// Help is ls --help's text below the usage line.
func (*lsCmd) Help() string {
	return `Prints a line for each object: when it was last modified (local time), its
size (--bytes: in bytes), its state (appendable; sealed, which takes no more
appends; or normal, multipart...), its codec (as pipe recorded it when it
created the object, else as its Content-Type names it, else -) and its URL.
Without -r, each folder under the prefix is a line of its own, ending in /.
Besides the listing, ls sends one HeadObject per object, eight at a time.`
}

// headConcurrency is how many HeadObject requests ls has under way at once.
const headConcurrency = 8

// lsRow is one line of ls: an object or a folder.
type lsRow struct {
	url      objectURL
	folder   bool
	modified time.Time
	size     int64
	state    string // "appendable", "sealed", "normal", ...
	codec    string // the recorded codec, else the Content-Type's, else "-"
}

// Run lists the objects.
func (l *lsCmd) Run(g *globals, e *env) error {
	u, err := parseListURL(l.Object)
	if err != nil {
		return err
	}
	conn, err := g.connect(u.Bucket, e.stderr)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	quietBrokenPipe()

	out := output{e.stdout}
	if u.Key != "" && !strings.HasSuffix(u.Key, "/") {
		err = l.chain(ctx, conn, u, out)
	} else {
		err = l.prefix(ctx, conn, u, out)
	}
	switch {
	case closedEarly(err):
		return nil
	case err != nil && ctx.Err() != nil:
		return failed("ls", u, errors.New("interrupted"))
	case err != nil:
		return failed("ls", u, err)
	}
	return nil
}

// prefix lists the objects under u's prefix, one level and its folders
// without -r, page by page.
func (l *lsCmd) prefix(ctx context.Context, conn *connection, u objectURL, out io.Writer) error {
	req := &oss.ListObjectsV2Request{Bucket: &u.Bucket, Prefix: &u.Key, MaxKeys: 1000}
	if !l.Recursive {
		req.Delimiter = oss.Ptr("/")
	}
	listed := false
	p := conn.client.NewListObjectsV2Paginator(req)
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the bucket: %w", describe(err))
		}
		var keys []string
		for _, o := range page.Contents {
			if k := oss.ToString(o.Key); k != u.Key { // not the folder marker itself
				keys = append(keys, k)
			}
		}
		rows, err := heads(ctx, conn.client, u.Bucket, keys)
		if err != nil {
			return err
		}
		for _, cp := range page.CommonPrefixes {
			rows = append(rows, lsRow{url: objectURL{u.Bucket, oss.ToString(cp.Prefix)}, folder: true})
		}
		slices.SortFunc(rows, func(a, b lsRow) int { return strings.Compare(a.url.Key, b.url.Key) })
		listed = listed || len(rows) > 0
		if err := l.print(out, rows); err != nil {
			return err
		}
	}
	if !listed && u.Key != "" {
		return fmt.Errorf("%w: no object under the prefix", ossread.ErrNoSuchKey)
	}
	return nil
}

// chain lists the chain of u's key, in rotation order.
func (l *lsCmd) chain(ctx context.Context, conn *connection, u objectURL, out io.Writer) error {
	keys, err := chainOf(ctx, conn.client, u.Bucket, u.Key)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return didYouMean(ctx, conn, u, fmt.Errorf("%w, nor does any rotation of it (such as %s)",
			ossread.ErrNoSuchKey, objectURL{u.Bucket, ossappend.RotateKey(u.Key, 1)}))
	}
	rows, err := heads(ctx, conn.client, u.Bucket, keys)
	if err != nil {
		return err
	}
	return l.print(out, rows)
}

// print writes rows, one a line: modified, size, state, codec, URL.
func (l *lsCmd) print(out io.Writer, rows []lsRow) error {
	var b strings.Builder
	for _, r := range rows {
		if r.folder {
			fmt.Fprintf(&b, "%-19s  %10s  %-10s  %-5s  %s\n", "", "", "folder", "", r.url)
			continue
		}
		size := humanBytes(r.size)
		if l.Bytes {
			size = strconv.FormatInt(r.size, 10)
		}
		fmt.Fprintf(&b, "%-19s  %10s  %-10s  %-5s  %s\n", r.modified.Local().Format(time.DateTime), size, r.state, r.codec, r.url)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// heads asks OSS about each key, headConcurrency at a time, and returns
// their rows in the order of keys. A key deleted since it was listed has
// no row.
func heads(ctx context.Context, c *oss.Client, bucket string, keys []string) ([]lsRow, error) {
	rows := make([]lsRow, len(keys))
	found := make([]bool, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, headConcurrency)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rows[i], found[i], errs[i] = head(ctx, c, bucket, k)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []lsRow
	for i, r := range rows {
		if found[i] {
			out = append(out, r)
		}
	}
	return out, nil
}

// head returns the row of bucket/key, and false if it does not exist.
func head(ctx context.Context, c *oss.Client, bucket, key string) (lsRow, bool, error) {
	res, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: &bucket, Key: &key})
	var se *oss.ServiceError
	if errors.As(err, &se) && se.StatusCode == 404 && se.Code != "NoSuchBucket" {
		return lsRow{}, false, nil
	}
	if err != nil {
		return lsRow{}, false, fmt.Errorf("head %s/%s: %w", bucket, key, describe(err))
	}
	r := lsRow{url: objectURL{bucket, key}, size: res.ContentLength, codec: codecOf(res)}
	if res.LastModified != nil {
		r.modified = *res.LastModified
	}
	switch t := oss.ToString(res.ObjectType); {
	case t == "Appendable" && res.Headers.Get("x-oss-sealed-time") != "":
		r.state = "sealed"
	case t == "":
		r.state = "normal"
	default:
		r.state = strings.ToLower(t)
	}
	if p, err := strconv.ParseInt(oss.ToString(res.NextAppendPosition), 10, 64); err == nil && p > r.size {
		r.size = p
	}
	return r, true, nil
}

// codecOf names the codec of an object: the one its writer recorded, else
// the one its Content-Type names, else "-".
func codecOf(res *oss.HeadObjectResult) string {
	if c := res.Metadata["ossappend-codec"]; c != "" {
		return c
	}
	ct := oss.ToString(res.ContentType)
	for _, name := range []string{"gzip", "zstd", "s2"} {
		if c, _ := compress.ByName(name); c.MediaType() == ct {
			return name
		}
	}
	return "-"
}

// chainOf returns the keys of the chain of key that exist: key, then the
// objects rotated from it (see ossappend.RotateKey) by number. It lists the
// keys that begin as the chain's do.
func chainOf(ctx context.Context, c *oss.Client, bucket, key string) ([]string, error) {
	// RotateKey puts ".N" into key at one place: find it.
	first := ossappend.RotateKey(key, 1)
	at := -1
	for i := 0; i <= len(key) && at < 0; i++ {
		if key[:i]+".1"+key[i:] == first {
			at = i
		}
	}
	stem, tail := key[:max(at, 0)], key[max(at, 0):]
	type member struct {
		key string
		n   int
	}
	var members []member
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: &bucket, Prefix: &stem, Delimiter: oss.Ptr("/"), MaxKeys: 1000})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the bucket: %w", describe(err))
		}
		for _, o := range page.Contents {
			k := oss.ToString(o.Key)
			if k == key {
				members = append(members, member{k, 0})
				continue
			}
			if at < 0 || len(k) <= len(stem)+1+len(tail) || !strings.HasPrefix(k, stem+".") || !strings.HasSuffix(k, tail) {
				continue
			}
			if n, err := strconv.Atoi(k[len(stem)+1 : len(k)-len(tail)]); err == nil && n > 0 && ossappend.RotateKey(key, n) == k {
				members = append(members, member{k, n})
			}
		}
	}
	slices.SortFunc(members, func(a, b member) int { return a.n - b.n })
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.key
	}
	return keys, nil
}

// parseListURL parses oss://BUCKET, oss://BUCKET/, oss://BUCKET/PREFIX/
// or oss://BUCKET/KEY.
func parseListURL(s string) (objectURL, error) {
	rest, ok := strings.CutPrefix(s, "oss://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return objectURL{}, usagef("bad URL %q: want oss://BUCKET, oss://BUCKET/PREFIX/ or oss://BUCKET/KEY", s)
	}
	if err := validBucketName(bucket); err != nil {
		return objectURL{}, usageError{err}
	}
	return objectURL{Bucket: bucket, Key: key}, nil
}
