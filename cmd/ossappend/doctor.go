package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// doctorCmd is "ossappend doctor": the library's assumptions, checked
// against a bucket and the credentials a user has.
type doctorCmd struct {
	StorageClass string        `help:"Create the test object with this storage class, as the writer would (WithObjectOptions): Standard, IA, Archive, ColdArchive or DeepColdArchive (default: the bucket's)." placeholder:"CLASS"`
	ACL          string        `name:"acl" help:"Create the test object with this ACL: default, private, public-read or public-read-write." placeholder:"ACL"`
	SSE          string        `name:"sse" help:"Create the test object with this server-side encryption: AES256, KMS or SM4." placeholder:"ALGORITHM"`
	SSEKeyID     string        `name:"sse-key-id" help:"With --sse KMS, the KMS key to encrypt with." placeholder:"ID"`
	Tagging      string        `help:"Create the test object with these tags, k1=v1&k2=v2." placeholder:"TAGS"`
	ListingWait  time.Duration `help:"How long to wait for a new object to show in a listing (default ${default})." default:"10s" placeholder:"DURATION"`

	Prefix string `arg:"" name:"oss-url" help:"Where to check, oss://BUCKET/PREFIX/: the checks write under a scratch prefix in it, which they remove at the end."`
}

// Run runs the checks in order, one line each on standard output, and
// fails if one of them failed.
func (d *doctorCmd) Run(g *globals, e *env) error {
	u, err := parseSeriesURL(d.Prefix)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(u.Key, "/") {
		u.Key += "/"
	}
	create, err := d.createOptions()
	if err != nil {
		return err
	}
	conn, err := g.connect(u.Bucket, e.stderr)
	if err != nil {
		return err
	}
	defer conn.Close()

	var id [4]byte
	_, _ = rand.Read(id[:])
	r := &doctor{
		env:         e,
		client:      conn.client,
		bucket:      u.Bucket,
		scratch:     u.Key + "ossappend-doctor-" + hex.EncodeToString(id[:]) + "/",
		create:      create,
		listingWait: d.ListingWait,
		out:         e.stdout,
	}
	fmt.Fprintf(e.stdout, "ossappend doctor: checking oss://%s/%s with scratch objects under oss://%s/%s\n", u.Bucket, u.Key, u.Bucket, r.scratch)
	r.run()
	fmt.Fprintf(e.stdout, "ossappend doctor: %d checks passed, %d warned, %d failed\n", r.counts[pass], r.counts[warn], r.counts[fail])
	if r.counts[fail] > 0 {
		return fmt.Errorf("doctor oss://%s/%s: %d of %d checks failed", u.Bucket, u.Key, r.counts[fail], r.counts[pass]+r.counts[warn]+r.counts[fail])
	}
	return nil
}

// The verdicts of a check.
const (
	pass = "pass"
	warn = "warn"
	fail = "FAIL"
	skip = "skip"
)

// doctor is one run of the checks.
type doctor struct {
	env         *env
	client      *oss.Client
	bucket      string
	scratch     string
	create      oss.AppendObjectRequest
	listingWait time.Duration
	out         io.Writer
	counts      map[string]int

	// What the checks learnt, for the ones after them.
	log     string   // the appendable test object, once created
	length  int64    // its length
	crc     uint64   // its CRC-64
	written []string // the scratch keys that may exist
}

// report prints one check's line: the verdict, the check's name, what was
// seen and what it means.
func (r *doctor) report(verdict, name, format string, args ...any) {
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[verdict]++
	fmt.Fprintf(r.out, "%-4s  %-17s %s\n", verdict, name, redact(strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")))
}

// run runs every check, then removes the scratch objects.
func (r *doctor) run() {
	defer r.cleanup()
	if !r.checkClock() {
		r.report(skip, "the rest", "not run: OSS refuses every request signed with this machine's clock")
		return
	}
	r.checkBucket()
	if !r.checkCreate() {
		r.report(skip, "appends, reads", "not run: there is no appendable object to check them on")
	} else {
		r.checkChain()
		r.checkHead()
		r.checkWrongPosition()
		r.checkRanges()
		r.checkListing()
		r.checkSeal()
	}
	r.checkNotAppendable()
}

// noRetry makes an SDK call answer with OSS's first answer, which is what
// the checks look at.
func noRetry(o *oss.Options) { o.RetryMaxAttempts = oss.Ptr(1) }

// answerOf says what OSS answered: its status, code and EC, or the error
// that is not an answer of OSS's.
func answerOf(err error) string {
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		return oneLine(err)
	}
	s := fmt.Sprintf("%d %s", se.StatusCode, se.Code)
	if se.EC != "" {
		s += " (EC " + se.EC + ")"
	}
	return s
}

// serviceCode returns the status and code of OSS's answer in err, or 0 and
// "" if err is not one.
func serviceCode(err error) (int, string) {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.StatusCode, se.Code
	}
	return 0, ""
}

// cleanup removes what the checks wrote, and says so if it cannot.
func (r *doctor) cleanup() {
	var failed []string
	for _, key := range r.written {
		if _, err := r.client.DeleteObject(r.env.ctx, &oss.DeleteObjectRequest{Bucket: &r.bucket, Key: oss.Ptr(key)}); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", key, answerOf(err)))
		}
	}
	if len(failed) > 0 {
		r.report(warn, "cleanup", "could not remove %s; remove them by hand", strings.Join(failed, ", "))
	}
}
