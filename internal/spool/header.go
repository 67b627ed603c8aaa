package spool

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The layout of a frame file's first page. See the package documentation.
const (
	pageSize = 4096 // the header page; the data starts after it

	frameMagic   = "OSSAFRAM"
	frameVersion = 1

	offMagic     = 0
	offVersion   = 8
	offPageSize  = 12
	offID        = 16
	offCapacity  = 24
	offBootLen   = 32
	offBoot      = 33
	offBaseLen   = 98
	offBase      = 100
	offHeaderCRC = 1124 // CRC-32C of the bytes before it

	offLive = 2048 // the live length word
	slotLen = 24   // generation, length, data CRC, slot CRC

	maxBoot  = 64
	maxBase  = 1023
	maxFrame = 1 << 30
)

// The commit slots: A and B, which commits and checkpoints alternate, and
// C, where Sync copies what it made durable when commits write A and B.
var slotOffsets = [3]int{2560, 3072, 3584}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c extends crc, the CRC-32C of some bytes, with p.
func crc32c(crc uint32, p []byte) uint32 { return crc32.Update(crc, castagnoli, p) }

// header is what a frame file says about itself.
type header struct {
	id       uint64
	capacity int64  // bytes of data the frame can hold
	boot     string // the boot the live length belongs to; "" if the file has none
	base     string // the first key of the chain the frame is for
}

// encode writes h into page, a zeroed header page, with every slot a valid
// empty commit.
func (h *header) encode(page []byte) {
	copy(page[offMagic:], frameMagic)
	le := binary.LittleEndian
	le.PutUint32(page[offVersion:], frameVersion)
	le.PutUint32(page[offPageSize:], pageSize)
	le.PutUint64(page[offID:], h.id)
	le.PutUint64(page[offCapacity:], uint64(h.capacity))
	page[offBootLen] = byte(len(h.boot))
	copy(page[offBoot:offBoot+maxBoot], h.boot)
	le.PutUint16(page[offBaseLen:], uint16(len(h.base)))
	copy(page[offBase:offBase+maxBase], h.base)
	le.PutUint32(page[offHeaderCRC:], crc32c(0, page[:offHeaderCRC]))
	for _, off := range slotOffsets {
		putSlot(page[off:], slot{})
	}
}

// decodeHeader reads a header page, or says why it cannot.
func decodeHeader(page []byte) (header, string) {
	le := binary.LittleEndian
	if string(page[offMagic:offMagic+len(frameMagic)]) != frameMagic {
		return header{}, "not a frame file (no frame header)"
	}
	if got, want := le.Uint32(page[offHeaderCRC:]), crc32c(0, page[:offHeaderCRC]); got != want {
		return header{}, fmt.Sprintf("header checksum mismatch (stored %08x, computed %08x)", got, want)
	}
	if v := le.Uint32(page[offVersion:]); v != frameVersion {
		return header{}, fmt.Sprintf("frame format version %d, this program reads version %d", v, frameVersion)
	}
	if p := le.Uint32(page[offPageSize:]); p != pageSize {
		return header{}, fmt.Sprintf("header of %d bytes, want %d", p, pageSize)
	}
	h := header{id: le.Uint64(page[offID:]), capacity: int64(le.Uint64(page[offCapacity:]))}
	if h.capacity < 1 || h.capacity > maxFrame {
		return header{}, fmt.Sprintf("capacity %d out of range", h.capacity)
	}
	bl, kl := int(page[offBootLen]), int(le.Uint16(page[offBaseLen:]))
	if bl > maxBoot || kl > maxBase {
		return header{}, "header field lengths out of range"
	}
	h.boot = string(page[offBoot : offBoot+bl])
	h.base = string(page[offBase : offBase+kl])
	return h, ""
}

// slot is one commit record: the frame holds n bytes whose CRC-32C is
// crc. The one with the higher generation is the newer.
type slot struct {
	gen uint64
	n   int64
	crc uint32
}

// putSlot writes s, with its own CRC, into the first slotLen bytes of p.
func putSlot(p []byte, s slot) {
	le := binary.LittleEndian
	le.PutUint64(p[0:], s.gen)
	le.PutUint64(p[8:], uint64(s.n))
	le.PutUint32(p[16:], s.crc)
	le.PutUint32(p[20:], crc32c(0, p[:20]))
}

// getSlot reads a slot; ok is false if its own CRC does not match.
func getSlot(p []byte) (s slot, ok bool) {
	le := binary.LittleEndian
	if le.Uint32(p[20:]) != crc32c(0, p[:20]) {
		return slot{}, false
	}
	s = slot{gen: le.Uint64(p[0:]), n: int64(le.Uint64(p[8:])), crc: le.Uint32(p[16:])}
	return s, s.n >= 0
}

// liveWord is the live length word for n bytes: n in the low half, its
// complement in the high half, so that a damaged word shows. Zero means
// no live length.
func liveWord(n int) uint64 { return uint64(uint32(n)) | uint64(^uint32(n))<<32 }

// decodeLive reads a live length word: used is false for zero, ok is
// false for a word whose halves disagree.
func decodeLive(v uint64) (n int64, used, ok bool) {
	if v == 0 {
		return 0, false, true
	}
	lo, hi := uint32(v), uint32(v>>32)
	return int64(lo), true, lo == ^hi
}
