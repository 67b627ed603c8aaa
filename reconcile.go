package ossappend

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is reconciliation: after an append whose outcome is unknown
// (a lost response, a timeout, a 5xx, a 409 PositionNotEqualToLength), the
// append loop looks at the object before it sends anything again, because
// AppendObject is not idempotent.

// sent is what an append sent, as reconciliation needs it: its length and
// its CRC-64. A body is one; so is each body the spool's record of an
// append says an earlier writer sent (see spooler.recorded).
type sent interface {
	Len() int64
	CRC64() uint64
}

// verdict is what reconciliation concludes about an append.
type verdict int

const (
	// absent: the object is as it was before the append; send it again.
	absent verdict = iota
	// landed: the object is the old one followed by exactly this body;
	// the append succeeded and only its response was lost.
	landed
	// foreign: the object holds something else; another writer has been
	// at it (ErrConflict).
	foreign
	// followed: the object is longer than the old one and the body: the
	// body may have landed with another writer's bytes after it, or not
	// at all. Only its bytes can tell (see readBack).
	followed
)

func (v verdict) String() string {
	return [...]string{"absent", "landed", "foreign", "followed"}[v]
}

// reconcile decides an append's fate from HeadObject's answer, and for a
// foreign object says why in words. pos and crc describe the object before
// the append (crc only if crcKnown); b is what the append sent: one frame,
// or a group of frames reconciled as one. When both the writer and OSS
// know the object's CRC-64, length alone never proves an append landed:
// the CRC of the object must equal the combination of the old CRC and the
// body's. An append may have landed in an object that was sealed since;
// a sealed object that does not hold it is foreign.
func reconcile(pos int64, crc uint64, crcKnown bool, b sent, obj ossapi.Object) (verdict, string) {
	n := b.Len()
	checkCRC := crcKnown && obj.HasCRC
	switch {
	case !obj.Exists:
		if pos == 0 {
			return absent, ""
		}
		return foreign, fmt.Sprintf("the object, %d bytes long, was deleted", pos)
	case obj.Type != "Appendable":
		return foreign, fmt.Sprintf("the object was replaced by a %s object", obj.Kind())
	case obj.Length == pos:
		if checkCRC && pos > 0 && obj.CRC != crc {
			return foreign, fmt.Sprintf("the object is as long as this writer left it, %d bytes, but holds other bytes (its CRC-64 differs)", pos)
		}
		if obj.Sealed {
			return foreign, fmt.Sprintf("the object, %d bytes long, was sealed", pos)
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
	return foreign, fmt.Sprintf("the object grew from %d to %d bytes, which is neither this writer's append of %d bytes nor more", pos, obj.Length, n)
}

// outcome is what look found of an append.
type outcome struct {
	verdict
	why      string // for foreign
	other    bool   // what landed is a body an earlier writer recorded, not b
	len      int64  // the length of the body that landed
	crc      uint64 // the object's CRC-64 after it, if crcKnown
	crcKnown bool
	sealed   bool // the object is sealed
}

// look asks HeadObject what became of an append of b at a.pos of a.key,
// whose outcome is unknown, and reads the object back where its length
// alone cannot tell. sentB says whether b was sent there; others are the
// bodies an earlier writer may have appended there instead (see
// spooler.recorded): any of them landed is as good as b. A failed
// request's error comes with its operation's name.
func (a *appender) look(b *body, sentB bool, others []sent) (outcome, string, error) {
	w := a.w
	obj, err := w.head(w.ctx, a.key, ossapi.NoSDKRetry)
	if err != nil {
		return outcome{}, "head", err
	}
	w.requests.reconciled.Add(1)
	var bodies []sent
	if sentB {
		bodies = append(bodies, b)
	}
	bodies = append(bodies, others...)
	mine := func(i int) bool { return sentB && i == 0 }
	var o outcome
	var behind []int // the bodies the object grew past
	for i, s := range bodies {
		v, why := reconcile(a.pos, a.crc, a.crcKnown, s, obj)
		switch v {
		case landed:
			return outcome{verdict: landed, other: !mine(i), len: s.Len(), crc: obj.CRC, crcKnown: obj.HasCRC, sealed: obj.Sealed}, "", nil
		case followed:
			behind = append(behind, i)
		}
		if i == 0 {
			o = outcome{verdict: v, why: why}
		}
	}
	if len(behind) == 0 {
		return o, "", nil
	}
	lens := make([]int64, len(behind))
	for j, i := range behind {
		lens[j] = bodies[i].Len()
	}
	crcs, err := a.readBack(lens)
	switch {
	case errors.Is(err, errNoReadBack):
		return outcome{verdict: foreign, why: fmt.Sprintf("the object grew past this writer's append at %d, and the client cannot read it back to tell whose bytes those are", a.pos)}, "", nil
	case ossapi.IsArchived(err):
		return outcome{verdict: foreign, why: fmt.Sprintf("the object grew past this writer's append at %d, and it is archived (%v): it cannot be read back to tell whose bytes those are", a.pos, ErrArchived)}, "", nil
	}
	if err != nil {
		return outcome{}, "get", err
	}
	for _, i := range behind {
		s := bodies[i]
		if crcs[s.Len()] == s.CRC64() {
			return outcome{verdict: followed, other: !mine(i), len: s.Len(),
				crc: oss.CRC64Combine(a.crc, s.CRC64(), uint64(s.Len())), crcKnown: a.crcKnown, sealed: obj.Sealed}, "", nil
		}
	}
	return outcome{verdict: foreign, why: fmt.Sprintf("another writer appended at %d, before this writer's append", a.pos)}, "", nil
}

// errNoReadBack is readBack's error for a client that cannot read ranges.
var errNoReadBack = errors.New("the client cannot read the object back")

// readBack reads the object at a.pos with one ranged GetObject and returns
// the CRC-64 of the first n bytes there for each n of lens. It asks for
// OSS's standard range behaviour and checks the answer's Content-Range:
// without it, OSS answers a range it cannot serve with the whole object.
func (a *appender) readBack(lens []int64) (map[int64]uint64, error) {
	w := a.w
	gc, ok := w.client.(ossapi.GetClient)
	if !ok {
		return nil, errNoReadBack
	}
	end := int64(0)
	for _, n := range lens {
		end = max(end, n)
	}
	var res *oss.GetObjectResult
	err := w.request(w.ctx, "GetObject", a.key, 0, func() (err error) {
		req := &oss.GetObjectRequest{
			Bucket:        &w.bucket,
			Key:           &a.key,
			Range:         oss.Ptr(fmt.Sprintf("bytes=%d-%d", a.pos, a.pos+end-1)),
			RangeBehavior: oss.Ptr("standard"),
		}
		w.date(&req.RequestCommon)
		res, err = gc.GetObject(w.ctx, req, ossapi.NoSDKRetry)
		return err
	})
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	want := fmt.Sprintf("bytes %d-%d/", a.pos, a.pos+end-1)
	if res.StatusCode != http.StatusPartialContent || !strings.HasPrefix(oss.ToString(res.ContentRange), want) {
		return nil, fmt.Errorf("read back %d bytes at %d: answered %d, Content-Range %q", end, a.pos, res.StatusCode, oss.ToString(res.ContentRange))
	}
	crcs := make(map[int64]uint64, len(lens))
	var crc uint64
	var at int64
	buf := make([]byte, min(end, 64<<10))
	for at < end {
		next := end
		for _, n := range lens {
			if n > at && n < next {
				next = n
			}
		}
		for at < next {
			k, rerr := io.ReadFull(res.Body, buf[:min(int64(len(buf)), next-at)])
			crc = ossapi.UpdateCRC64(crc, buf[:k])
			at += int64(k)
			if rerr != nil {
				return nil, fmt.Errorf("read back %d bytes at %d: %w", end, a.pos, rerr)
			}
		}
		crcs[at] = crc
	}
	return crcs, nil
}
