package ossappend

import (
	"hash/crc64"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

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

var crcTable = crc64.MakeTable(crc64.ECMA)

// crc64Of is the CRC-64/ECMA-182 OSS keeps of objects (x-oss-hash-crc64ecma).
func crc64Of(b []byte) uint64 { return crc64.Checksum(b, crcTable) }

// reconcile decides a frame's fate from HeadObject's answer. pos and crc
// describe the object before the frame (crc only if crcKnown); frame is the
// frame's bytes. When both the writer and OSS know the object's CRC-64,
// length alone never proves a frame landed: the CRC of the object must
// equal the combination of the old CRC and the frame's. (The writer knows
// it unless its client reports none.)
func reconcile(pos int64, crc uint64, crcKnown bool, frame []byte, st objectState) verdict {
	n := int64(len(frame))
	checkCRC := crcKnown && st.hasCRC
	switch {
	case !st.exists:
		if pos == 0 {
			return absent
		}
		return foreign // deleted under us
	case !st.appendable:
		return foreign // replaced by PutObject, or sealed
	case st.length == pos:
		if checkCRC && pos > 0 && st.crc != crc {
			return foreign
		}
		return absent
	case st.length == pos+n:
		if checkCRC && st.crc != oss.CRC64Combine(crc, crc64Of(frame), uint64(n)) {
			return foreign
		}
		return landed
	case st.length > pos+n:
		return followed
	}
	return foreign
}
