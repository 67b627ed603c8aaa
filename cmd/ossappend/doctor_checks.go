package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// The bytes of the test object's two appends.
const (
	firstAppend  = "ossappend doctor: first append\n"
	secondAppend = "ossappend doctor: second append\n"
)

// clockWarn is how far from OSS's a clock may be before doctor warns;
// OSS refuses requests signed more than 15 minutes away.
const clockWarn = 5 * time.Minute

// checkClock compares this machine's clock with the Date of OSS's answer
// to a HeadObject of a missing key, and checks that answer: 404, not 403.
// It reports false if OSS refuses requests signed with this clock.
func (r *doctor) checkClock() bool {
	sent := time.Now()
	res, err := r.client.HeadObject(r.env.ctx, &oss.HeadObjectRequest{Bucket: &r.bucket, Key: oss.Ptr(r.scratch + "missing")}, noRetry)
	received := time.Now()
	var date string
	var se *oss.ServiceError
	switch {
	case errors.As(err, &se):
		date = se.Headers.Get("Date")
	case err == nil:
		date = res.Headers.Get("Date")
	}
	// The Date header is in whole seconds: its time is, on average, half a
	// second past the second it names. An offset of minutes is said in
	// minutes.
	serverTime, perr := http.ParseTime(date)
	offset := serverTime.Add(500 * time.Millisecond).Sub(sent.Add(received.Sub(sent) / 2)).Round(time.Second)
	if offset >= time.Minute || offset <= -time.Minute {
		offset = offset.Round(time.Minute)
	}
	status, code := serviceCode(err)
	switch {
	case code == "RequestTimeTooSkewed":
		r.report(fail, "clock", "%s: this machine's clock is %s OSS's, and OSS refuses requests signed more than 15m away: "+
			"every append would be refused; set the clock right (NTP)", answerOf(err), offsetWords(offset))
		return false
	case status == 0 && err != nil:
		r.report(fail, "clock", "HeadObject: %s: OSS could not be reached", answerOf(err))
		return false
	case perr != nil:
		r.report(warn, "clock", "could not check: OSS's answer has no Date header")
	case offset > clockWarn || offset < -clockWarn:
		r.report(warn, "clock", "this machine's clock is %s OSS's: within the 15m OSS allows, but a step further and every request is refused; keep it in sync (NTP)", offsetWords(offset))
	default:
		r.report(pass, "clock", "this machine's clock is within %s of OSS's (OSS allows 15m)", max(offset, -offset, time.Second))
	}

	switch {
	case err == nil:
		r.report(fail, "head missing key", "HeadObject of a key that should not exist found an object")
	case status == http.StatusNotFound:
		r.report(pass, "head missing key", "HeadObject of a missing key is %s: the writer tells a new object from an existing one", answerOf(err))
	case code == "AccessDenied":
		r.report(fail, "head missing key", "HeadObject of a missing key is %s, not 404: the credentials lack oss:GetObject, "+
			"and the writer cannot look at an object before it appends to it", answerOf(err))
	default:
		r.report(fail, "head missing key", "HeadObject of a missing key is %s, not 404", answerOf(err))
	}
	return true
}

// offsetWords says how far, and which way, a clock is off OSS's.
func offsetWords(offset time.Duration) string {
	if offset > 0 {
		return offset.String() + " behind"
	}
	return (-offset).String() + " ahead of"
}

// checkBucket warns of the bucket settings that do not go well with
// appendable objects.
func (r *doctor) checkBucket() {
	info, err := r.client.GetBucketInfo(r.env.ctx, &oss.GetBucketInfoRequest{Bucket: &r.bucket}, noRetry)
	if err != nil {
		r.report(warn, "bucket settings", "could not check versioning, storage class and encryption: GetBucketInfo: %s", answerOf(err))
	} else {
		bi := info.BucketInfo
		var problems []string
		switch v := oss.ToString(bi.Versioning); v {
		case "Enabled", "Suspended":
			problems = append(problems, "versioning is "+v+": an appendable object that is deleted or overwritten stays as a previous version, which takes no appends and is still billed")
		}
		switch class := oss.ToString(bi.StorageClass); class {
		case "Archive":
			problems = append(problems, "the bucket's storage class is Archive: new objects are Archive, which cat, ossread and the writer's read-back cannot read until each is restored (403 InvalidObjectState); give the writer another class with WithObjectOptions")
		case "ColdArchive", "DeepColdArchive":
			problems = append(problems, "the bucket's storage class is "+class+", which appendable objects cannot have: OSS refuses the writer's first append unless it names another class (WithObjectOptions)")
		}
		if oss.ToString(bi.SseRule.SSEAlgorithm) == "KMS" && oss.ToString(bi.SseRule.KMSMasterKeyID) != "" {
			problems = append(problems, "the bucket encrypts with the KMS key "+oss.ToString(bi.SseRule.KMSMasterKeyID)+", which appendable objects cannot use: appends may be refused")
		}
		if len(problems) == 0 {
			r.report(pass, "bucket settings", "storage class %s, versioning %s, encryption %s: nothing conflicts with appendable objects",
				orNone(oss.ToString(bi.StorageClass)), orNone(oss.ToString(bi.Versioning)), orNone(oss.ToString(bi.SseRule.SSEAlgorithm)))
		}
		for _, p := range problems {
			r.report(warn, "bucket settings", "%s", p)
		}
	}

	worm, err := r.client.GetBucketWorm(r.env.ctx, &oss.GetBucketWormRequest{Bucket: &r.bucket}, noRetry)
	_, code := serviceCode(err)
	switch {
	case code == "NoSuchWORMConfiguration":
		r.report(pass, "retention policy", "none: OSS takes appends to every object")
	case err != nil:
		r.report(warn, "retention policy", "could not check: GetBucketWorm: %s", answerOf(err))
	default:
		days := "?"
		if c := worm.WormConfiguration; c != nil && c.RetentionPeriodInDays != nil {
			days = strconv.Itoa(int(*c.RetentionPeriodInDays))
		}
		r.report(warn, "retention policy", "the bucket has a retention policy of %s days: OSS refuses AppendObject to the objects it protects, and they cannot be deleted", days)
	}
}

func orNone(s string) string {
	if s == "" || s == "None" {
		return "none"
	}
	return s
}

// checkCreate appends at 0 with the create options, as the writer's first
// append does, and reports whether the test object exists.
func (r *doctor) checkCreate() bool {
	key := r.scratch + "chain.log"
	req := r.create
	req.Bucket, req.Key, req.Position, req.Body = &r.bucket, &key, oss.Ptr(int64(0)), strings.NewReader(firstAppend)
	r.written = append(r.written, key)
	res, err := r.client.AppendObject(r.env.ctx, &req, noRetry)
	opts := describeCreate(&r.create)
	if err != nil {
		_, code := serviceCode(err)
		meaning := "the writer's first append would fail the same way"
		switch code {
		case "AccessDenied":
			meaning = "the credentials lack oss:PutObject (and oss:PutObjectTagging, with tags): the writer cannot append"
		case "InvalidArgument":
			meaning = "OSS creates no appendable object with these options: the writer's first append would fail the same way"
		case "EntityTooLarge":
			meaning = "OSS takes no more bytes in appendable objects here"
		}
		r.report(fail, "append at 0", "AppendObject with %s: %s: %s", opts, answerOf(err), meaning)
		return false
	}
	crc, perr := strconv.ParseUint(oss.ToString(res.HashCRC64), 10, 64)
	if res.NextPosition != int64(len(firstAppend)) || perr != nil || crc != crc64Of(firstAppend) {
		r.report(fail, "append at 0", "AppendObject answered next position %d and CRC-64 %q for %d bytes of CRC-64 %d",
			res.NextPosition, oss.ToString(res.HashCRC64), len(firstAppend), crc64Of(firstAppend))
		return false
	}
	r.log, r.length, r.crc = key, res.NextPosition, crc
	r.report(pass, "append at 0", "AppendObject with %s created an appendable object, answering its next position and CRC-64", opts)
	return true
}

// crc64Of returns the CRC-64/ECMA-182 of s, as OSS computes it.
func crc64Of(s string) uint64 {
	h := oss.NewCRC64(0)
	_, _ = io.WriteString(h, s)
	return h.Sum64()
}

// checkChain appends again and checks that OSS's CRC-64 is the whole
// object's: the one of the first append combined with the second's.
func (r *doctor) checkChain() {
	res, err := r.client.AppendObject(r.env.ctx, &oss.AppendObjectRequest{
		Bucket: &r.bucket, Key: &r.log, Position: oss.Ptr(r.length), Body: strings.NewReader(secondAppend),
		InitHashCRC64: oss.Ptr(strconv.FormatUint(r.crc, 10)),
	}, noRetry)
	if err != nil {
		r.report(fail, "CRC-64 chain", "a second AppendObject: %s: the writer's appends after the first would fail", answerOf(err))
		return
	}
	want := oss.CRC64Combine(r.crc, crc64Of(secondAppend), uint64(len(secondAppend)))
	got, _ := strconv.ParseUint(oss.ToString(res.HashCRC64), 10, 64)
	if got != want || res.NextPosition != r.length+int64(len(secondAppend)) {
		r.report(fail, "CRC-64 chain", "a second append answered CRC-64 %d and next position %d, want %d and %d: the writer checks each append's CRC-64 and would stop",
			got, res.NextPosition, want, r.length+int64(len(secondAppend)))
		return
	}
	r.length, r.crc = res.NextPosition, want
	r.report(pass, "CRC-64 chain", "a second append's CRC-64 is the whole object's, chained from the first: the writer can check every append")
}

// checkHead checks what HeadObject says of the test object: what the
// writer resumes and reconciles from.
func (r *doctor) checkHead() {
	res, err := r.client.HeadObject(r.env.ctx, &oss.HeadObjectRequest{Bucket: &r.bucket, Key: &r.log}, noRetry)
	if err != nil {
		r.report(fail, "head object", "HeadObject: %s: the writer cannot resume or reconcile", answerOf(err))
		return
	}
	var wrong []string
	if t := oss.ToString(res.ObjectType); t != "Appendable" {
		wrong = append(wrong, fmt.Sprintf("type %q, not Appendable", t))
	}
	if res.NextAppendPosition == nil || *res.NextAppendPosition != strconv.FormatInt(r.length, 10) {
		wrong = append(wrong, fmt.Sprintf("next position %q, not %d", oss.ToString(res.NextAppendPosition), r.length))
	}
	if oss.ToString(res.HashCRC64) != strconv.FormatUint(r.crc, 10) {
		wrong = append(wrong, fmt.Sprintf("CRC-64 %q, not %d", oss.ToString(res.HashCRC64), r.crc))
	}
	if class := string(r.create.StorageClass); class != "" && oss.ToString(res.StorageClass) != class {
		wrong = append(wrong, fmt.Sprintf("storage class %q, not %s", oss.ToString(res.StorageClass), class))
	}
	if len(wrong) > 0 {
		r.report(fail, "head object", "HeadObject says %s: the writer would resume or reconcile wrongly", strings.Join(wrong, "; "))
		return
	}
	r.report(pass, "head object", "HeadObject: Appendable, next position %d, CRC-64 %d, class %s: the writer can resume and reconcile",
		r.length, r.crc, oss.ToString(res.StorageClass))
}

// checkWrongPosition appends at a position that is not the object's
// length: OSS must refuse it and say the length.
func (r *doctor) checkWrongPosition() {
	_, err := r.client.AppendObject(r.env.ctx, &oss.AppendObjectRequest{
		Bucket: &r.bucket, Key: &r.log, Position: oss.Ptr(int64(1)), Body: strings.NewReader("x"),
	}, noRetry)
	var se *oss.ServiceError
	switch {
	case err == nil:
		r.report(fail, "wrong position", "an append at a wrong position was taken: the object is damaged, and the writer's reconciliation cannot work here")
		r.length++
	case !errors.As(err, &se) || se.StatusCode != http.StatusConflict || se.Code != "PositionNotEqualToLength":
		r.report(fail, "wrong position", "an append at a wrong position is %s, not 409 PositionNotEqualToLength: the writer cannot tell a lost answer from a refusal", answerOf(err))
	case se.Headers.Get("x-oss-next-append-position") != strconv.FormatInt(r.length, 10):
		r.report(fail, "wrong position", "409 PositionNotEqualToLength says next position %q, not %d: the writer reconciles from it",
			se.Headers.Get("x-oss-next-append-position"), r.length)
	default:
		r.report(pass, "wrong position", "an append at a wrong position is %s with the object's length: the writer reconciles a lost answer from it", answerOf(err))
	}
}

// checkNotAppendable appends to a normal object: OSS must refuse it with
// ObjectNotAppendable, on which the writer moves to a new key.
func (r *doctor) checkNotAppendable() {
	key := r.scratch + "normal.txt"
	r.written = append(r.written, key)
	if _, err := r.client.PutObject(r.env.ctx, &oss.PutObjectRequest{Bucket: &r.bucket, Key: &key, Body: strings.NewReader("normal\n")}, noRetry); err != nil {
		r.report(skip, "normal object", "PutObject: %s: could not make a normal object to append to", answerOf(err))
		return
	}
	_, err := r.client.AppendObject(r.env.ctx, &oss.AppendObjectRequest{
		Bucket: &r.bucket, Key: &key, Position: oss.Ptr(int64(7)), Body: strings.NewReader("x"),
	}, noRetry)
	status, code := serviceCode(err)
	if status == http.StatusConflict && code == "ObjectNotAppendable" {
		r.report(pass, "normal object", "an append to a normal object is %s: the writer moves on to a new key", answerOf(err))
		return
	}
	r.report(fail, "normal object", "an append to a normal object is %s, not 409 ObjectNotAppendable", describeOrOK(err))
}

func describeOrOK(err error) string {
	if err == nil {
		return "taken"
	}
	return answerOf(err)
}

// checkRanges reads the test object in ranges, with standard range
// behaviour as the library asks for it: inside, and past the end.
func (r *doctor) checkRanges() {
	whole := firstAppend + secondAppend
	get := func(rng string) (*oss.GetObjectResult, string, error) {
		res, err := r.client.GetObject(r.env.ctx, &oss.GetObjectRequest{Bucket: &r.bucket, Key: &r.log,
			Range: oss.Ptr(rng), RangeBehavior: oss.Ptr("standard")}, noRetry)
		if err != nil {
			return nil, "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, string(b), err
	}
	meaning := func(err error) string {
		switch _, code := serviceCode(err); code {
		case "InvalidObjectState":
			return "the object must be restored before it is read (an Archive class): cat, ossread and the writer's read-back fail until each object is restored"
		case "AccessDenied":
			return "the credentials lack oss:GetObject: cat, ossread and the writer's read-back cannot read"
		}
		return "cat, ossread and the writer's read-back cannot read"
	}
	res, body, err := get("bytes=2-5")
	switch {
	case err != nil:
		r.report(fail, "ranged read", "GetObject of bytes 2-5: %s: %s", answerOf(err), meaning(err))
		return
	case res.StatusCode != http.StatusPartialContent || body != whole[2:6] || res.Headers.Get("Content-Range") != fmt.Sprintf("bytes 2-5/%d", len(whole)):
		r.report(fail, "ranged read", "GetObject of bytes 2-5 answered %d, Content-Range %q, %d bytes: ranged reads are not what the reader expects",
			res.StatusCode, res.Headers.Get("Content-Range"), len(body))
		return
	}
	r.report(pass, "ranged read", "GetObject of bytes 2-5 is 206 with the right bytes and Content-Range")

	res, body, err = get(fmt.Sprintf("bytes=%d-", len(whole)))
	status, code := serviceCode(err)
	switch {
	case status == http.StatusRequestedRangeNotSatisfiable && code == "InvalidRange":
		r.report(pass, "read past end", "GetObject from the end, with standard range behaviour, is %s: a follower learns there is nothing new", answerOf(err))
	case err != nil:
		r.report(fail, "read past end", "GetObject from the end is %s, not 416 InvalidRange: %s", answerOf(err), meaning(err))
	default:
		r.report(fail, "read past end", "GetObject from the end answered %d with %d bytes, not 416: x-oss-range-behavior: standard is not honoured, and a follower would read the whole object again", res.StatusCode, len(body))
	}
}

// checkListing lists the scratch prefix until the test object shows, for
// at most listingWait.
func (r *doctor) checkListing() {
	start := time.Now()
	for {
		res, err := r.client.ListObjectsV2(r.env.ctx, &oss.ListObjectsV2Request{Bucket: &r.bucket, Prefix: oss.Ptr(r.scratch)}, noRetry)
		if err != nil {
			_, code := serviceCode(err)
			meaning := "the writer lists a key's rotations to resume, and cat lists a chain or a prefix to read it"
			if code == "AccessDenied" {
				meaning = "the credentials lack oss:ListObjects: " + meaning
			}
			r.report(fail, "listing", "ListObjectsV2: %s: %s", answerOf(err), meaning)
			return
		}
		for _, o := range res.Contents {
			if oss.ToString(o.Key) == r.log {
				if waited := time.Since(start); waited > time.Second {
					r.report(warn, "listing", "a new object showed in listings only after %s: a writer restarted sooner may not find its newest rotation by listing", waited.Round(100*time.Millisecond))
				} else {
					r.report(pass, "listing", "a new object shows in listings at once: the writer finds its newest rotation when it resumes")
				}
				return
			}
		}
		if time.Since(start) >= r.listingWait {
			r.report(warn, "listing", "a new object did not show in listings within %s: a restarted writer may not find its newest rotation by listing, and cat may miss it", r.listingWait)
			return
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.env.ctx.Done():
			return
		}
	}
}

// checkSeal seals the test object, as WithSealOnClose does.
func (r *doctor) checkSeal() {
	_, err := r.client.SealAppendObject(r.env.ctx, &oss.SealAppendObjectRequest{Bucket: &r.bucket, Key: &r.log, Position: oss.Ptr(r.length)}, noRetry)
	const without = "with WithSealOnClose the writer reports this once to its error handler, stops sealing, stores everything and Close succeeds; its objects stay appendable"
	_, code := serviceCode(err)
	switch {
	case err == nil:
		r.report(pass, "seal", "SealAppendObject works: with WithSealOnClose the writer seals each object as it closes it or moves on")
	case code == "OperationNotSupported":
		r.report(warn, "seal", "SealAppendObject is %s: seal is not available to this account; %s", answerOf(err), without)
	case code == "AccessDenied":
		r.report(warn, "seal", "SealAppendObject is %s: the credentials lack oss:SealAppendObject; %s", answerOf(err), without)
	default:
		r.report(fail, "seal", "SealAppendObject is %s", answerOf(err))
	}
}
