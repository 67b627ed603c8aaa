package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// doctorChecks are the checks doctor reports, in order.
var doctorChecks = []string{"clock", "head missing key", "bucket settings", "retention policy", "append at 0", "CRC-64 chain",
	"head object", "wrong position", "ranged read", "read past end", "listing", "seal", "normal object"}

// verdicts returns the verdict doctor printed for each check.
func verdicts(t *testing.T, stdout string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if len(line) < 24 || strings.HasPrefix(line, "ossappend doctor:") {
			continue
		}
		got[strings.TrimSpace(line[6:23])] = strings.TrimSpace(line[:4])
	}
	return got
}

// runDoctor runs doctor against srv's bucket, with the credentials given.
func runDoctor(t *testing.T, srv *osstest.Server, id, secret string, args ...string) result {
	t.Helper()
	env := cleanEnv("OSS_ACCESS_KEY_ID="+id, "OSS_ACCESS_KEY_SECRET="+secret)
	all := append([]string{"--endpoint", srv.Endpoint(), "--region", srv.Region(), "doctor", "oss://" + testBucket + "/logs/"}, args...)
	return runBin(t, env, "", all...)
}

// scratchLeft returns the objects doctor left under logs/.
func scratchLeft(t *testing.T, srv *osstest.Server) []string {
	t.Helper()
	res, err := srv.Client().ListObjectsV2(t.Context(), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("logs/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range res.Contents {
		keys = append(keys, oss.ToString(o.Key))
	}
	return keys
}

// TestDoctor: against osstest as it is, every check passes, and doctor
// leaves nothing behind.
func TestDoctor(t *testing.T) {
	srv := newTestServer(t)
	r := runDoctor(t, srv.Server, osstest.AccessKeyID, osstest.AccessKeySecret)
	if r.code != 0 {
		t.Fatalf("doctor: %v", r)
	}
	got := verdicts(t, r.stdout)
	for _, name := range doctorChecks {
		if got[name] != "pass" {
			t.Errorf("%s: %q, want pass\n%s", name, got[name], r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "13 checks passed, 0 warned, 0 failed") {
		t.Errorf("no summary line:\n%s", r.stdout)
	}
	if left := scratchLeft(t, srv.Server); len(left) != 0 {
		t.Errorf("doctor left %v", left)
	}
}

// TestDoctorAgainstServe runs doctor against ossappend serve, as a user
// trying the command would.
func TestDoctorAgainstServe(t *testing.T) {
	p := start(t, cleanEnv(), "serve", "--addr", "127.0.0.1:0", "--bucket", testBucket)
	var env []string
	for range 4 {
		kv, ok := strings.CutPrefix(p.stdout.next(t), "export ")
		if !ok {
			t.Fatalf("serve printed %q", kv)
		}
		env = append(env, kv)
	}
	r := runBin(t, cleanEnv(env...), "", "doctor", "oss://"+testBucket+"/app/")
	if r.code != 0 || !strings.Contains(r.stdout, "13 checks passed") {
		t.Fatalf("doctor against serve: %v", r)
	}
	p.signal(t, syscall.SIGTERM)
	p.wait(t)
}

// TestDoctorFindsOSSBehaviours: each of osstest's ways of being as strict
// as OSS makes its check warn or fail, with a line that says why.
func TestDoctorFindsOSSBehaviours(t *testing.T) {
	const id, secret = "ram-user", "ram-user-secret"
	allBut := func(except string) []string {
		var out []string
		for _, a := range []string{"oss:PutObject", "oss:GetObject", "oss:ListObjects", "oss:DeleteObject", "oss:SealAppendObject",
			"oss:GetBucketInfo", "oss:GetBucketWorm"} {
			if a != except {
				out = append(out, a)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		opts    []osstest.Option
		setup   func(*osstest.Server) error
		args    []string
		check   string
		verdict string
		says    []string
	}{
		{name: "seal not supported", opts: []osstest.Option{osstest.WithoutSeal()},
			check: "seal", verdict: "warn", says: []string{"OperationNotSupported", "0016-00000513", "stops sealing", "Close succeeds"}},
		{name: "no seal action", opts: []osstest.Option{osstest.WithLimitedCredentials(id, secret, allBut("oss:SealAppendObject")...)},
			check: "seal", verdict: "warn", says: []string{"AccessDenied", "oss:SealAppendObject", "Close succeeds"}},
		{name: "no get action", opts: []osstest.Option{osstest.WithLimitedCredentials(id, secret, allBut("oss:GetObject")...)},
			check: "head missing key", verdict: "FAIL", says: []string{"403 AccessDenied", "not 404", "oss:GetObject"}},
		{name: "no list action", opts: []osstest.Option{osstest.WithLimitedCredentials(id, secret, allBut("oss:ListObjects")...)},
			check: "listing", verdict: "FAIL", says: []string{"AccessDenied", "oss:ListObjects"}},
		{name: "no bucket info action", opts: []osstest.Option{osstest.WithLimitedCredentials(id, secret, allBut("oss:GetBucketInfo")...)},
			check: "bucket settings", verdict: "warn", says: []string{"could not check", "GetBucketInfo", "AccessDenied"}},
		{name: "clock ahead", setup: func(s *osstest.Server) error { s.SetClockOffset(time.Hour); return nil },
			check: "clock", verdict: "FAIL", says: []string{"RequestTimeTooSkewed", "1h0m0s behind", "NTP"}},
		{name: "clock behind", setup: func(s *osstest.Server) error { s.SetClockOffset(-time.Hour); return nil },
			check: "clock", verdict: "FAIL", says: []string{"RequestTimeTooSkewed", "1h0m0s ahead of"}},
		{name: "clock off within the skew", setup: func(s *osstest.Server) error { s.SetClockOffset(10 * time.Minute); return nil },
			check: "clock", verdict: "warn", says: []string{"10m0s behind", "within the 15m"}},
		{name: "listing lags", opts: []osstest.Option{osstest.WithListingDelay(time.Hour)}, args: []string{"--listing-wait", "300ms"},
			check: "listing", verdict: "warn", says: []string{"did not show in listings within 300ms"}},
		{name: "versioning", setup: func(s *osstest.Server) error {
			return s.ConfigureBucket(testBucket, osstest.BucketConfig{Versioning: "Enabled"})
		}, check: "bucket settings", verdict: "warn", says: []string{"versioning is Enabled", "previous version"}},
		{name: "bucket class Archive", setup: func(s *osstest.Server) error {
			return s.ConfigureBucket(testBucket, osstest.BucketConfig{StorageClass: "Archive"})
		}, check: "ranged read", verdict: "FAIL", says: []string{"403 InvalidObjectState", "restored"}},
		{name: "bucket class ColdArchive", setup: func(s *osstest.Server) error {
			return s.ConfigureBucket(testBucket, osstest.BucketConfig{StorageClass: "ColdArchive"})
		}, check: "append at 0", verdict: "FAIL", says: []string{"400 InvalidArgument", "0016-00000503", "first append would fail"}},
		{name: "bucket KMS key", setup: func(s *osstest.Server) error {
			return s.ConfigureBucket(testBucket, osstest.BucketConfig{SSEAlgorithm: "KMS", KMSKeyID: "key-1"})
		}, check: "bucket settings", verdict: "warn", says: []string{"KMS key key-1"}},
		{name: "retention policy", setup: func(s *osstest.Server) error {
			return s.ConfigureBucket(testBucket, osstest.BucketConfig{RetentionDays: 7})
		}, check: "retention policy", verdict: "warn", says: []string{"7 days", "refuses AppendObject"}},
		{name: "storage class flag", args: []string{"--storage-class", "DeepColdArchive"},
			check: "append at 0", verdict: "FAIL", says: []string{"storage class DeepColdArchive", "InvalidArgument"}},
		{name: "KMS key flag", args: []string{"--sse", "KMS", "--sse-key-id", "my-key"},
			check: "append at 0", verdict: "FAIL", says: []string{"encryption KMS with key my-key", "InvalidArgument"}},
		{name: "size limit", opts: []osstest.Option{osstest.WithMaxAppendableSize(40)},
			check: "CRC-64 chain", verdict: "FAIL", says: []string{"400 EntityTooLarge"}},
		{name: "append lands then 500", opts: []osstest.Option{osstest.WithFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultApplyThenError500, Limit: 1})},
			check: "append at 0", verdict: "FAIL", says: []string{"500 InternalError"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := osstest.NewServer(tc.opts...)
			t.Cleanup(srv.Close)
			if err := srv.CreateBucket(testBucket); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				if err := tc.setup(srv); err != nil {
					t.Fatal(err)
				}
			}
			keyID, keySecret := osstest.AccessKeyID, osstest.AccessKeySecret
			if strings.Contains(tc.name, "action") {
				keyID, keySecret = id, secret
			}
			r := runDoctor(t, srv, keyID, keySecret, tc.args...)
			if got := verdicts(t, r.stdout)[tc.check]; got != tc.verdict {
				t.Fatalf("%s: %q, want %q\n%v", tc.check, got, tc.verdict, r)
			}
			var line string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, tc.verdict) && strings.Contains(l, "  "+tc.check+" ") {
					line = l
				}
			}
			for _, s := range tc.says {
				if !strings.Contains(line, s) {
					t.Errorf("the line does not say %q: %s", s, line)
				}
			}
			wantCode := 0
			if strings.Contains(r.stdout, "\nFAIL  ") {
				wantCode = 1
				if !strings.Contains(r.stderr, "checks failed") {
					t.Errorf("stderr: %q", r.stderr)
				}
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d", r.code, wantCode)
			}
			if tc.check != "clock" && !strings.Contains(tc.name, "retention") {
				if left := scratchLeft(t, srv); len(left) != 0 {
					t.Errorf("doctor left %v", left)
				}
			}
		})
	}
}

// TestDoctorThrottled: OSS's throttling shows as a failed check with its
// code, since doctor looks at first answers.
func TestDoctorThrottled(t *testing.T) {
	srv := osstest.NewServer(osstest.WithThrottle(osstest.Throttle{PerPrefix: 1}))
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	r := runDoctor(t, srv, osstest.AccessKeyID, osstest.AccessKeySecret)
	if r.code != 1 || !strings.Contains(r.stdout, "503 SlowDown (EC 0004-00000302)") {
		t.Fatalf("doctor under throttling: %v", r)
	}
}

// TestDoctorUsage: bad create options are usage errors.
func TestDoctorUsage(t *testing.T) {
	checkFailure(t, runBin(t, cleanEnv(), "", "doctor", "--storage-class", "Gold", "oss://b-1/p/"), exitUsage, "--storage-class", "ColdArchive")
	checkFailure(t, runBin(t, cleanEnv(), "", "doctor", "--sse-key-id", "k", "oss://b-1/p/"), exitUsage, "--sse KMS")
}
