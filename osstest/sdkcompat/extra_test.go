package sdkcompat

import (
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/ossappend/ossappend/osstest"
)

// TestAdditionalHeaders signs the Host header and a header of the caller's
// along with the usual ones, as the older SDK does when told to.
func TestAdditionalHeaders(t *testing.T) {
	for _, sig := range signatures {
		t.Run(sig.name, func(t *testing.T) {
			srv := osstest.NewServer()
			t.Cleanup(srv.Close)
			client, err := oss.New(srv.Endpoint(), osstest.AccessKeyID, osstest.AccessKeySecret,
				oss.AuthVersion(sig.auth), oss.Region(osstest.Region), oss.AdditionalHeaders([]string{"host", "x-custom"}))
			if err != nil {
				t.Fatal(err)
			}
			if err := client.CreateBucket("compat"); err != nil {
				t.Fatal(err)
			}
			b, _ := client.Bucket("compat")
			if err := b.PutObject("k", strings.NewReader("v"), oss.SetHeader("x-custom", "1")); err != nil {
				t.Fatal(err)
			}
			if _, err := b.AppendObject("log", strings.NewReader("v"), 0); err != nil {
				t.Fatal(err)
			}
			u, err := b.SignURL("k", oss.HTTPGet, 60)
			if err != nil {
				t.Fatal(err)
			}
			r, err := b.GetObjectWithURL(u)
			if got := readAll(t, r, err); got != "v" {
				t.Errorf("GetObjectWithURL: %q", got)
			}
		})
	}
}

// TestSecurityToken signs with temporary (STS) credentials, whose token
// the older SDK sends in a header or, presigned, in the query.
func TestSecurityToken(t *testing.T) {
	for _, sig := range signatures {
		t.Run(sig.name, func(t *testing.T) {
			srv := osstest.NewServer()
			t.Cleanup(srv.Close)
			if err := srv.CreateBucket("compat"); err != nil {
				t.Fatal(err)
			}
			client, err := oss.New(srv.Endpoint(), osstest.AccessKeyID, osstest.AccessKeySecret,
				oss.AuthVersion(sig.auth), oss.Region(osstest.Region), oss.SecurityToken("sts-token"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := client.Bucket("compat")
			if err := b.PutObject("k", strings.NewReader("v")); err != nil {
				t.Fatal(err)
			}
			u, err := b.SignURL("k", oss.HTTPGet, 60)
			if err != nil {
				t.Fatal(err)
			}
			r, err := b.GetObjectWithURL(u)
			if got := readAll(t, r, err); got != "v" {
				t.Errorf("GetObjectWithURL: %q", got)
			}
		})
	}
}
