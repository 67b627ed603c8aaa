package spool

import (
	"encoding/binary"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestIntent(t *testing.T) {
	o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	a := Intent{First: 3, Last: 5, Key: "logs/app.log", Pos: 1 << 40, CRC: 0xfedcba9876543210, CRCKnown: true, Len: 12345, BodyCRC: 42}
	b := Intent{First: 6, Last: 6, Key: strings.Repeat("k", maxBase), Pos: 7, Len: 1}
	c := Intent{First: 7, Last: 9, Key: "x", Pos: 8, CRC: 1, CRCKnown: true, Len: 2, BodyCRC: 3,
		Earlier: []Body{{Len: 4, CRC: 5}, {Len: 1 << 33, CRC: 1<<64 - 1}}}
	d := Intent{First: 7, Last: 9, Key: "x", Pos: 8, Len: 2, BodyCRC: 3, Earlier: make([]Body, MaxEarlier)}
	for i, in := range []Intent{a, b, c, d} {
		if err := s.Record(in); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = mustOpen(t, o)
		if got := s.Recovered().Intent; got == nil || !reflect.DeepEqual(*got, in) {
			t.Fatalf("after record %d, recovered %+v, want %+v", i, got, in)
		}
	}
	// The newest names frame 9: no new frame takes an ID up to it.
	f, err := s.Create("k")
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 10 {
		t.Errorf("new frame ID %d, want 10", f.ID)
	}
	for _, bad := range []Intent{{Key: ""}, {Key: strings.Repeat("k", maxBase+1)}, {Key: "k", First: 2, Last: 1}, {Key: "k", Pos: -1}, {Key: "k", Len: -1}, {Key: "k", Earlier: make([]Body, MaxEarlier+1)}} {
		if err := s.Record(bad); err == nil {
			t.Errorf("Record(%+v) succeeded", bad)
		}
	}
}

// A torn intent record: the file is set aside, the record before it is
// recovered, and recording goes on.
func TestTornIntent(t *testing.T) {
	o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	first := Intent{First: 1, Last: 1, Key: "k", Len: 10}
	s.Record(first)
	s.Record(Intent{First: 2, Last: 2, Key: "k", Len: 10})
	s.Close()
	// The second record went into the second page; tear it.
	flipByte(t, s.intentPath(), pageSize+inLast)
	s = mustOpen(t, o)
	checkDamage(t, s, "checksum mismatch", "kept the newest valid one")
	if got := s.Recovered().Intent; got == nil || !reflect.DeepEqual(*got, first) {
		t.Fatalf("recovered %+v, want %+v", got, first)
	}
	third := Intent{First: 3, Last: 3, Key: "k", Len: 10}
	if err := s.Record(third); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpen(t, o)
	if r := s.Recovered(); len(r.Damaged) != 0 || r.Intent == nil || !reflect.DeepEqual(*r.Intent, third) {
		t.Fatalf("after recording again: %+v", r)
	}

	// Both torn: no intent, reported.
	s.Close()
	flipByte(t, s.intentPath(), 100)
	flipByte(t, s.intentPath(), pageSize+100)
	s = mustOpen(t, o)
	checkDamage(t, s, "no valid one left")
	if s.Recovered().Intent != nil {
		t.Error("recovered an intent from two torn records")
	}
	if fi, err := os.Stat(s.intentPath()); err != nil || fi.Size() != 2*pageSize {
		t.Errorf("intent file after: %v", err)
	}
}

// A record of format 1, as the first spools wrote them, is read as it was
// written, marked Legacy, and kept so when a damaged slot beside it is set
// aside.
func TestIntentFormat1(t *testing.T) {
	o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	s.Close()
	in := Intent{First: 2, Last: 4, Key: "logs/app.log", Pos: 10, CRC: 11, CRCKnown: true, Len: 12, BodyCRC: 13}
	var page [pageSize]byte
	encodeIntent(page[:], &in, 1)
	le := binary.LittleEndian
	le.PutUint32(page[inVersion:], 1)
	clear(page[inEarlier:inEnd])
	le.PutUint32(page[inSumV1:], crc32c(0, page[:inSumV1]))
	pages := make([]byte, 2*pageSize)
	copy(pages, page[:])
	copy(pages[pageSize:], "damaged")
	if err := os.WriteFile(s.intentPath(), pages, 0o600); err != nil {
		t.Fatal(err)
	}
	want := in
	want.Legacy = true
	for range 2 { // the second open reads the file the first rewrote
		s = mustOpen(t, o)
		if got := s.Recovered().Intent; got == nil || !reflect.DeepEqual(*got, want) {
			t.Fatalf("recovered %+v, want %+v", got, want)
		}
		s.Close()
	}
}

// Frames before those of the newest record are stored: a power loss that
// undid their removal (Record no longer makes removals durable) brings
// them back, and Open deletes them.
func TestFramesBeforeTheRecordAreDeleted(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		var ids []uint64
		for i := range 4 {
			ids = append(ids, finished(t, s, "k", pattern(i, 0, 1000), 500, 0))
		}
		// Frames 1 and 2 were stored and removed, their removal lost; the
		// append of 3 and 4 is recorded.
		if err := s.Record(Intent{First: ids[2], Last: ids[3], Key: "k", Len: 2000}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = mustOpen(t, o)
		r := s.Recovered()
		if got := frameIDs(r.Frames); !reflect.DeepEqual(got, ids[2:]) || len(r.Damaged) != 0 {
			t.Fatalf("recovered frames %v (damaged %v), want %v", got, r.Damaged, ids[2:])
		}
		if _, err := os.Stat(s.framePath(ids[0])); !os.IsNotExist(err) {
			t.Fatalf("the file of frame %d: %v, want it deleted", ids[0], err)
		}
	})
}
