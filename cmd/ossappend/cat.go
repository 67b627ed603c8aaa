package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/ossread"
)

// catCmd is "ossappend cat": a series of objects, decoded, to standard
// output.
type catCmd struct {
	Follow  bool          `short:"f" help:"Keep printing what is appended, and the objects the writer rotates or rolls to, until interrupted, as tail -F does."`
	Only    bool          `help:"Print the object alone, not the objects a writer rotated to after it."`
	FromEnd bool          `help:"With -f, print only what is appended from now on."`
	Wait    bool          `help:"With -f, wait for the first object to be created if there is none yet."`
	Poll    time.Duration `help:"With -f, how often to ask OSS whether there is more to print (default ${default})." default:"1s" placeholder:"DURATION"`
	Raw     bool          `help:"Print the bytes as stored, without decoding them."`

	Object string `arg:"" name:"oss-url" help:"What to print: oss://BUCKET/KEY, the object and the objects a writer rotated to after it (KEY's chain); oss://BUCKET/PREFIX/, every object under PREFIX/."`
}

// Run prints the series, or with -f follows it until a signal comes.
func (c *catCmd) Run(g *globals, e *env) error {
	u, err := parseSeriesURL(c.Object)
	if err != nil {
		return err
	}
	if !c.Follow && (c.FromEnd || c.Wait) {
		return usagef("--from-end and --wait need -f")
	}
	conn, err := g.connect(u.Bucket, e.stderr)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	quietBrokenPipe() // a reader that leaves early ends cat quietly

	r, err := ossread.NewReader(ctx, conn.client, u.Bucket, u.Key, c.options()...)
	if err != nil {
		return failed("cat", u, c.hint(ctx, conn, u, err))
	}
	defer r.Close()
	// Copy with a buffer of our own, so that each piece the reader yields
	// goes out at once (io.Copy would hand the output the reader instead).
	_, err = io.CopyBuffer(output{e.stdout}, r, make([]byte, 64<<10))
	switch {
	case closedEarly(err):
		return nil
	case ctx.Err() != nil && c.Follow:
		return nil // interrupted: the normal end of cat -f
	case ctx.Err() != nil:
		return failed("cat", u, errors.New("interrupted"))
	case err != nil:
		return failed("cat", u, err)
	}
	return nil
}

// options are the Reader's options for the flags.
func (c *catCmd) options() []ossread.Option {
	var opts []ossread.Option
	if c.Only {
		opts = append(opts, ossread.Only())
	}
	if !c.Raw {
		opts = append(opts, ossread.WithDecode())
	}
	if c.Follow {
		opts = append(opts, ossread.WithFollow(), ossread.WithPollInterval(c.Poll))
	}
	if c.FromEnd {
		opts = append(opts, ossread.WithStartAtEnd())
	}
	if c.Wait {
		opts = append(opts, ossread.WithWaitForObject())
	}
	return opts
}

// hint adds to the error of NewReader what the flags can do about it, or
// the prefix the user may have meant.
func (c *catCmd) hint(ctx context.Context, conn *connection, u objectURL, err error) error {
	switch {
	case errors.Is(err, ossappend.ErrNotAppendable) && c.Follow:
		return fmt.Errorf("%w (cat without -f prints it)", err)
	case errors.Is(err, ossappend.ErrAccessDenied) && !c.Only:
		return fmt.Errorf("%w (reading a chain or a prefix lists the bucket; --only reads one object without listing)", err)
	case errors.Is(err, ossread.ErrNoSuchKey) && !strings.HasSuffix(u.Key, "/"):
		return didYouMean(ctx, conn, u, err)
	}
	return err
}

// didYouMean adds to err, which says that u holds no object, the prefix
// u/ if objects are under it.
func didYouMean(ctx context.Context, conn *connection, u objectURL, err error) error {
	prefix := u.Key + "/"
	res, lerr := conn.client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: &u.Bucket, Prefix: &prefix, MaxKeys: 1})
	if lerr != nil || len(res.Contents) == 0 {
		return err
	}
	return fmt.Errorf("%w; did you mean %s?", err, objectURL{u.Bucket, prefix})
}

// parseSeriesURL parses oss://BUCKET/KEY or oss://BUCKET/PREFIX/.
func parseSeriesURL(s string) (objectURL, error) {
	prefix, isPrefix := strings.CutSuffix(s, "/")
	if !isPrefix {
		prefix = s
	}
	u, err := parseObjectURL(prefix)
	if err != nil {
		return objectURL{}, usagef("bad object URL %q: want oss://BUCKET/KEY or oss://BUCKET/PREFIX/", s)
	}
	if isPrefix {
		u.Key += "/"
	}
	return u, nil
}
