package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
)

// catCmd is "ossappend cat": an object, decoded, to standard output.
type catCmd struct {
	Follow  bool          `short:"f" help:"Keep printing what is appended to the object, until interrupted, as tail -f does."`
	FromEnd bool          `help:"With -f, print only what is appended from now on."`
	Wait    bool          `help:"With -f, wait for the object to be created if it does not exist yet."`
	Poll    time.Duration `help:"With -f, how often to ask OSS whether the object has grown (default ${default})." default:"1s" placeholder:"DURATION"`
	Raw     bool          `help:"Print the bytes as stored, without decoding them."`

	Object string `arg:"" name:"oss-url" help:"The object to print, oss://BUCKET/KEY."`
}

// Run prints the object, or with -f follows it until a signal comes.
func (c *catCmd) Run(g *globals, e *env) error {
	u, err := parseObjectURL(c.Object)
	if err != nil {
		return err
	}
	if !c.Follow && (c.FromEnd || c.Wait) {
		return usagef("--from-end and --wait need -f")
	}
	conn, err := g.connect(u.Bucket)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var src io.Reader
	if c.Follow {
		f, err := c.follower(ctx, conn.client, u)
		if err != nil {
			return fmt.Errorf("cat -f %s: %w", u, err)
		}
		defer f.Close()
		src = f
	} else {
		res, err := conn.client.GetObject(ctx, &oss.GetObjectRequest{Bucket: &u.Bucket, Key: &u.Key})
		if err != nil {
			return fmt.Errorf("cat %s: %w", u, describeGet(err))
		}
		defer res.Body.Close()
		src = res.Body
	}
	if !c.Raw {
		dec := compress.NewReader(src)
		defer dec.Close()
		src = dec
	}
	// Copy with a buffer of our own, so that each piece the source yields
	// goes out at once (io.Copy would hand os.Stdout the source instead).
	_, err = io.CopyBuffer(struct{ io.Writer }{e.stdout}, src, make([]byte, 64<<10))
	if ctx.Err() != nil {
		if c.Follow {
			return nil // interrupted: the normal end of cat -f
		}
		return fmt.Errorf("cat %s: interrupted", u)
	}
	if err != nil {
		return fmt.Errorf("cat %s: %w", u, err)
	}
	return nil
}

// follower makes the Follower of cat -f.
func (c *catCmd) follower(ctx context.Context, client *oss.Client, u objectURL) (*ossread.Follower, error) {
	opts := []ossread.Option{ossread.WithPollInterval(c.Poll)}
	if c.FromEnd {
		opts = append(opts, ossread.WithStartAtEnd())
	}
	if c.Wait {
		opts = append(opts, ossread.WithWaitForObject())
	}
	f, err := ossread.NewFollower(ctx, client, u.Bucket, u.Key, opts...)
	if errors.Is(err, ossappend.ErrNotAppendable) {
		err = fmt.Errorf("%w (cat without -f prints it)", err)
	}
	return f, err
}

// describeGet names the usual causes of a failed GetObject.
func describeGet(err error) error {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		switch se.Code {
		case "NoSuchKey":
			return fmt.Errorf("%w: %w", ossread.ErrNoSuchKey, err)
		case "NoSuchBucket":
			return fmt.Errorf("%w: %w", ossappend.ErrNoSuchBucket, err)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return fmt.Errorf("%w: %w", ossappend.ErrAccessDenied, err)
		}
	}
	return err
}
