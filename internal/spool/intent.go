package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ossappend/ossappend/internal/durable"
)

// Intent is what an append assumes, recorded before it is sent, so that
// the next writer can tell from the object's length and CRC-64 alone
// whether it landed.
type Intent struct {
	First, Last uint64 // the IDs of the frames the append carries, in order
	Key         string // the object appended to
	Pos         int64  // its length before the append
	CRC         uint64 // its CRC-64 before the append, if CRCKnown
	CRCKnown    bool
	Len         int64  // the length of the body sent
	BodyCRC     uint64 // the CRC-64/ECMA of the body sent

	// Earlier are other bodies of the same frames that writers which died
	// sent to the same place before (encoded otherwise, or with frames
	// lost to damage since): any of them may land instead of this one. At
	// most MaxEarlier.
	Earlier []Body

	// Legacy is set on a record of format 1, whose writers did not record
	// BodyCRC for a body of uncompressed frames (it is 0 then).
	Legacy bool
}

// A Body is the length and CRC-64/ECMA of the body of an append.
type Body struct {
	Len int64
	CRC uint64
}

// MaxEarlier bounds Intent.Earlier.
const MaxEarlier = 7

// The layout of an intent slot; the intent file holds two, one page each.
const (
	intentMagic   = "OSSAINTN"
	intentVersion = 2

	inVersion = 8
	inGen     = 16
	inFirst   = 24
	inLast    = 32
	inPos     = 40
	inCRC     = 48
	inLen     = 56
	inBodyCRC = 64
	inFlags   = 72
	inKeyLen  = 74
	inKey     = 76
	inEarlier = 1100                 // the number of earlier bodies, then 16 bytes each from 1104
	inSum     = 1104 + MaxEarlier*16 // CRC-32C of the bytes before it
	inEnd     = inSum + 4

	inSumV1 = 1100 // format 1: no earlier bodies, the CRC-32C here
)

// intentState is where the next record goes.
type intentState struct {
	gen  uint64 // of the newest valid record; 0 if none
	slot int    // where it is
}

func encodeIntent(page []byte, in *Intent, gen uint64) {
	le := binary.LittleEndian
	copy(page, intentMagic)
	le.PutUint32(page[inVersion:], intentVersion)
	le.PutUint64(page[inGen:], gen)
	le.PutUint64(page[inFirst:], in.First)
	le.PutUint64(page[inLast:], in.Last)
	le.PutUint64(page[inPos:], uint64(in.Pos))
	le.PutUint64(page[inCRC:], in.CRC)
	le.PutUint64(page[inLen:], uint64(in.Len))
	le.PutUint64(page[inBodyCRC:], in.BodyCRC)
	if in.CRCKnown {
		page[inFlags] = 1
	}
	le.PutUint16(page[inKeyLen:], uint16(len(in.Key)))
	copy(page[inKey:inKey+maxBase], in.Key)
	if in.Legacy { // kept as it was written, when a damaged slot is set aside
		le.PutUint32(page[inVersion:], 1)
		le.PutUint32(page[inSumV1:], crc32c(0, page[:inSumV1]))
		return
	}
	page[inEarlier] = byte(len(in.Earlier))
	for i, b := range in.Earlier {
		le.PutUint64(page[1104+16*i:], uint64(b.Len))
		le.PutUint64(page[1112+16*i:], b.CRC)
	}
	le.PutUint32(page[inSum:], crc32c(0, page[:inSum]))
}

// decodeIntent reads an intent slot. A slot never written (zeros) gives
// nil and no reason; a damaged one gives nil and the reason.
func decodeIntent(page []byte) (*Intent, uint64, string) {
	le := binary.LittleEndian
	if bytes.Count(page[:inEnd], []byte{0}) == inEnd {
		return nil, 0, ""
	}
	version := le.Uint32(page[inVersion:])
	sum := inSum
	if version == 1 {
		sum = inSumV1
	}
	switch {
	case string(page[:len(intentMagic)]) != intentMagic:
		return nil, 0, "not an intent record"
	case le.Uint32(page[sum:]) != crc32c(0, page[:sum]):
		return nil, 0, "checksum mismatch (torn or damaged)"
	case version != 1 && version != intentVersion:
		return nil, 0, fmt.Sprintf("intent format version %d", version)
	case int(le.Uint16(page[inKeyLen:])) > maxBase:
		return nil, 0, "key length out of range"
	case version != 1 && int(page[inEarlier]) > MaxEarlier:
		return nil, 0, "earlier bodies out of range"
	}
	in := &Intent{
		First: le.Uint64(page[inFirst:]), Last: le.Uint64(page[inLast:]),
		Pos: int64(le.Uint64(page[inPos:])), CRC: le.Uint64(page[inCRC:]), CRCKnown: page[inFlags]&1 != 0,
		Len: int64(le.Uint64(page[inLen:])), BodyCRC: le.Uint64(page[inBodyCRC:]),
		Key:    string(page[inKey : inKey+int(le.Uint16(page[inKeyLen:]))]),
		Legacy: version == 1,
	}
	if version != 1 {
		for i := range int(page[inEarlier]) {
			in.Earlier = append(in.Earlier, Body{Len: int64(le.Uint64(page[1104+16*i:])), CRC: le.Uint64(page[1112+16*i:])})
		}
	}
	return in, le.Uint64(page[inGen:]), ""
}

func (in *Intent) validate() error {
	switch {
	case in.Key == "" || len(in.Key) > maxBase:
		return fmt.Errorf("the key must have 1 to %d bytes, not %d", maxBase, len(in.Key))
	case in.First > in.Last:
		return fmt.Errorf("frames %d..%d are not in order", in.First, in.Last)
	case in.Pos < 0 || in.Len < 0:
		return fmt.Errorf("negative position %d or length %d", in.Pos, in.Len)
	case len(in.Earlier) > MaxEarlier:
		return fmt.Errorf("%d earlier bodies, more than %d", len(in.Earlier), MaxEarlier)
	}
	return nil
}

// Record stores in as the newest intent record, durably, before it
// returns. Records alternate between two slots, so a record torn by a
// crash leaves the one before it.
//
// A record of frames First..Last says that every frame before First is
// done with: the caller records an append only once every frame before
// it is stored, and removes those. Open deletes any such frame it finds,
// one whose removal a power loss undid, so that Record need not make
// removals durable first.
func (s *Spool) Record(in Intent) error {
	if err := in.validate(); err != nil {
		return fmt.Errorf("spool %s: record intent: %w", s.dir, err)
	}
	s.imu.Lock()
	defer s.imu.Unlock()
	if s.intent == nil {
		return fmt.Errorf("spool %s: record intent: the spool is closed", s.dir)
	}
	slot := 1 - s.intents.slot
	if s.intents.gen == 0 {
		slot = 0
	}
	var page [pageSize]byte
	encodeIntent(page[:], &in, s.intents.gen+1)
	if _, err := s.intent.WriteAt(page[:], int64(slot)*pageSize); err != nil {
		return wrapWrite("spool "+s.dir+": record intent", err)
	}
	if err := datasync(s.intent); err != nil {
		return wrapWrite("spool "+s.dir+": record intent", err)
	}
	s.intents = intentState{gen: s.intents.gen + 1, slot: slot}
	return nil
}

// loadIntent opens the intent file, finds its newest valid record and
// sets aside a file with a damaged one (keeping the valid one in a new
// file). It returns the highest frame ID the records name.
func (s *Spool) loadIntent() (uint64, error) {
	path := s.intentPath()
	what := "spool " + s.dir + ": intent records"
	var pages [2 * pageSize]byte
	old, err := os.Open(path)
	switch {
	case err == nil:
		_, err = old.ReadAt(pages[:], 0)
		old.Close()
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var newest *Intent
	var maxID uint64
	var problems []string
	for i := range 2 {
		in, gen, why := decodeIntent(pages[i*pageSize : (i+1)*pageSize])
		if why != "" {
			problems = append(problems, fmt.Sprintf("slot %d: %s", i, why))
		}
		if in == nil {
			continue
		}
		maxID = max(maxID, in.Last)
		if gen > s.intents.gen {
			newest, s.intents = in, intentState{gen: gen, slot: i}
		}
	}
	if len(problems) > 0 {
		reason := fmt.Sprintf("damaged intent record (%s); kept the newest valid one", strings.Join(problems, "; "))
		if newest == nil {
			reason = fmt.Sprintf("damaged intent record (%s); no valid one left", strings.Join(problems, "; "))
		}
		if err := s.setAside(path, 0, nil, reason); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		// The valid record, alone, into a new file.
		clear(pages[:])
		if newest != nil {
			encodeIntent(pages[s.intents.slot*pageSize:], newest, s.intents.gen)
		}
		if err := replaceFile(path, pages[:]); err != nil {
			return 0, wrapWrite(what, err)
		}
	}
	s.rec.Intent = newest
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	s.intent = f
	if err := durable.SyncDir(s.dir); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return maxID, nil
}
