package ossappend

import (
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// TestReconcile covers every verdict of reconcile, with and without the
// CRC-64 on either side.
func TestReconcile(t *testing.T) {
	before := []byte("stored before the frame\n")
	enc := []byte("the frame\n")
	other := []byte("other byte\n")[:len(enc)] // as long as the frame
	pos, n := int64(len(before)), int64(len(enc))
	crc := ossapi.CRC64(before)
	after := oss.CRC64Combine(crc, ossapi.CRC64(enc), uint64(n))
	foreignAfter := oss.CRC64Combine(crc, ossapi.CRC64(other), uint64(n))

	appendable := func(length int64, crc uint64, hasCRC bool) ossapi.Object {
		return ossapi.Object{Exists: true, Type: "Appendable", Length: length, CRC: crc, HasCRC: hasCRC}
	}
	sealed := func(o ossapi.Object) ossapi.Object { o.Sealed = true; return o }
	tests := []struct {
		name     string
		pos      int64
		crc      uint64
		crcKnown bool
		obj      ossapi.Object
		want     verdict
	}{
		{"missing, nothing stored yet", 0, 0, true, ossapi.Object{}, absent},
		{"missing after bytes were stored: deleted", pos, crc, true, ossapi.Object{}, foreign},
		{"replaced by a Normal object", pos, crc, true, ossapi.Object{Exists: true, Type: "Normal", Length: pos + n}, foreign},
		{"sealed after the frame landed", pos, crc, true, sealed(appendable(pos+n, after, true)), landed},
		{"sealed as before", pos, crc, true, sealed(appendable(pos, crc, true)), foreign},
		{"sealed, as long as with the frame, other bytes", pos, crc, true, sealed(appendable(pos+n, foreignAfter, true)), foreign},
		{"as before: the frame did not land", pos, crc, true, appendable(pos, crc, true), absent},
		{"as long as before, other bytes", pos, crc, true, appendable(pos, crc^1, true), foreign},
		{"as long as before, writer without CRC", pos, 0, false, appendable(pos, crc^1, true), absent},
		{"as long as before, OSS without CRC", pos, crc, true, appendable(pos, 0, false), absent},
		{"empty object, any CRC", 0, 0, true, appendable(0, 7, true), absent},
		{"the frame landed", pos, crc, true, appendable(pos+n, after, true), landed},
		{"first frame landed", 0, 0, true, appendable(n, ossapi.CRC64(enc), true), landed},
		{"as long as with the frame, other bytes", pos, crc, true, appendable(pos+n, foreignAfter, true), foreign},
		{"as long as with the frame, writer without CRC", pos, 0, false, appendable(pos+n, foreignAfter, true), landed},
		{"as long as with the frame, OSS without CRC", pos, crc, true, appendable(pos+n, 0, false), landed},
		{"longer than with the frame", pos, crc, true, appendable(pos+n+1, 0, true), followed},
		{"longer, without CRC", pos, 0, false, appendable(pos+2*n, 0, false), followed},
		{"shorter than before: truncated", pos, crc, true, appendable(pos-1, 0, true), foreign},
		{"between before and with the frame", pos, crc, true, appendable(pos+n-1, 0, true), foreign},
		{"between, without CRC", pos, 0, false, appendable(pos+1, 0, false), foreign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, why := reconcile(tc.pos, tc.crc, tc.crcKnown, newBody([]*frame{{encoded: enc}}), tc.obj)
			if got != tc.want {
				t.Fatalf("reconcile = %v (%q), want %v", got, why, tc.want)
			}
			if (got == foreign) != (why != "") {
				t.Fatalf("verdict %v with reason %q: a foreign object, and only that, says why", got, why)
			}
		})
	}
}
