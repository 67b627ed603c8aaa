package ossappend

import (
	"fmt"
	"io"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// sent is what an append sent, as reconciliation needs it: its length
// and, when it must compare, its CRC-64. A body is one; so is the record of
// an append in a spool (see WithSpool).
type sent interface {
	Len() int64
	CRC64() uint64
}

// verdict is what reconciliation concludes about one frame after a request
// whose outcome is unknown.
type verdict int

const (
	// absent: the object is as it was before the frame; send it again.
	absent verdict = iota
	// landed: the object is the old one followed by exactly this frame;
	// the append succeeded and only its response was lost.
	landed
	// foreign: the object holds something else; another writer has been
	// at it (ErrConflict).
	foreign
	// followed: the object is longer than the old one and the frame: the
	// frame may have landed with another writer's bytes after it, or not
	// at all. Only its bytes can tell (see appender.landedBefore).
	followed
)

func (v verdict) String() string {
	return [...]string{"absent", "landed", "foreign", "followed"}[v]
}

// reconcile decides a frame's fate from HeadObject's answer, and for a
// foreign object says why in words. pos and crc describe the object before
// the append (crc only if crcKnown); b is what the append sent: one frame,
// or a group of frames reconciled as one. When both
// the writer and OSS know the object's CRC-64, length alone never proves a
// frame landed: the CRC of the object must equal the combination of the old
// CRC and the frame's. (The writer knows it unless its client reports none.)
func reconcile(pos int64, crc uint64, crcKnown bool, b sent, obj ossapi.Object) (verdict, string) {
	n := b.Len()
	checkCRC := crcKnown && obj.HasCRC
	switch {
	case !obj.Exists:
		if pos == 0 {
			return absent, ""
		}
		return foreign, fmt.Sprintf("the object, %d bytes long, was deleted", pos)
	case !obj.Appendable():
		return foreign, fmt.Sprintf("the object was replaced by a %s object", obj.Kind())
	case obj.Length == pos:
		if checkCRC && pos > 0 && obj.CRC != crc {
			return foreign, fmt.Sprintf("the object is as long as this writer left it, %d bytes, but holds other bytes (its CRC-64 differs)", pos)
		}
		return absent, ""
	case obj.Length == pos+n:
		if checkCRC && obj.CRC != oss.CRC64Combine(crc, b.CRC64(), uint64(n)) {
			return foreign, fmt.Sprintf("the object is %d bytes long, as it would be with this writer's append, but holds other bytes (its CRC-64 differs)", pos+n)
		}
		return landed, ""
	case obj.Length > pos+n:
		return followed, ""
	case obj.Length < pos:
		return foreign, fmt.Sprintf("the object shrank to %d bytes, where this writer had stored %d", obj.Length, pos)
	}
	return foreign, fmt.Sprintf("the object grew from %d to %d bytes, which is neither this writer's frame of %d bytes nor more", pos, obj.Length, n)
}

// landedBefore reads the object at the append's position to tell whether
// the body landed there (followed) or not (foreign). A client that cannot
// read ranges cannot tell: foreign, so the frames go to a fresh key, where
// they may then be stored a second time.
func (a *appender) landedBefore(b *body) (verdict, string, error) {
	w := a.w
	why := fmt.Sprintf("another writer appended at %d, before this writer's frame", a.pos)
	rr, ok := w.client.(ossapi.GetClient)
	if !ok {
		return foreign, fmt.Sprintf("the object grew past this writer's frame at %d, and the client cannot read it back to tell whose bytes those are", a.pos), nil
	}
	res, err := rr.GetObject(w.ctx, &oss.GetObjectRequest{
		Bucket: &w.bucket,
		Key:    &a.key,
		Range:  oss.Ptr(fmt.Sprintf("bytes=%d-%d", a.pos, a.pos+b.n-1)),
	}, ossapi.NoSDKRetry)
	if err != nil {
		return foreign, why, err
	}
	defer res.Body.Close()
	same, err := b.equal(io.LimitReader(res.Body, b.n+1))
	switch {
	case err != nil:
		return foreign, why, err
	case same:
		return followed, "", nil
	}
	return foreign, why, nil
}
