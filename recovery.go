package ossappend

import (
	"fmt"
	"slices"

	"github.com/ossappend/ossappend/internal/fastcrc"
	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/internal/spool"
)

// This file is what a writer makes of the spool an earlier writer left:
// the frames it finds are queued first, in order, and the append that
// writer recorded last decides where the first of them go.
//
// That append may have landed, or may land still: a request of a process
// that died can be applied after its death, at any time. So recovery
// decides nothing from the object as it is now. The frames of the
// recorded append that are left go first, as one append, at the key and
// position the record names, and only there: OSS refuses the append if
// the object has grown since, and the append loop then looks (reconcile.go)
// and recognises the earlier writer's append from the record. Whichever of
// the two lands, the frames are stored once.

// recordedAppend is the append an earlier writer recorded last, with the
// frames of it that are left in the spool, which come first.
type recordedAppend struct {
	in          spool.Intent
	base        string // the chain of its frames
	first, last uint64 // the IDs of its frames left
}

// recordedBody is a body the record of an append names.
type recordedBody struct{ b spool.Body }

func (r recordedBody) Len() int64    { return r.b.Len }
func (r recordedBody) CRC64() uint64 { return r.b.CRC }

// recover takes over what the spool holds: it reports the damaged files
// Open set aside, keeps the recorded append if some of its frames are the
// first left, and queues every frame for the loader, with seqs from 1.
func (sp *spooler) recover() error {
	w := sp.w
	rec := sp.s.Recovered()
	sp.counts.damaged = int64(len(rec.Damaged))
	for _, d := range rec.Damaged {
		w.report(fmt.Errorf("ossappend: spool %s: %w: %s; set aside as %s", w.cfg.spoolDir, ErrSpoolDamaged, d.Reason, d.Path))
	}
	frames := rec.Frames
	if in := rec.Intent; in != nil && len(frames) > 0 && frames[0].ID >= in.First && frames[0].ID <= in.Last {
		ra := &recordedAppend{in: *in, base: frames[0].Base, first: frames[0].ID}
		for _, f := range frames {
			if f.ID <= in.Last {
				ra.last = f.ID
			}
		}
		if in.Legacy && !w.compressed {
			if err := sp.legacyBodyCRC(ra, frames); err != nil {
				return err
			}
		}
		sp.recorded.Store(ra)
	}
	now := w.cfg.clock.Now()
	for _, f := range frames {
		w.store.queued(now) // accepted before, by an earlier writer
		w.fill.queued++
		w.fill.written += f.Len
		sp.waiting = append(sp.waiting, spooled{id: f.ID, seq: w.fill.queued, base: f.Base, n: f.Len})
		if sp.direct() {
			sp.ready.Add(1)
		}
	}
	sp.counts.recovered = int64(len(frames))
	return nil
}

// legacyBodyCRC fills in the body CRC-64 that a record of the spool's
// first format did not keep for uncompressed frames: the frames' own, if
// they are all left; else the record is judged by lengths alone.
func (sp *spooler) legacyBodyCRC(ra *recordedAppend, frames []spool.Frame) error {
	var crc uint64
	var buf []byte
	n := uint64(0)
	for _, f := range frames {
		if f.ID > ra.last {
			break
		}
		var err error
		if buf, err = sp.s.Read(f.ID, buf[:0]); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		crc = fastcrc.Combine(crc, ossapi.CRC64(buf), uint64(len(buf)))
		n++
	}
	if n != ra.in.Last-ra.in.First+1 {
		ra.in.CRCKnown = false
		return nil
	}
	ra.in.BodyCRC = crc
	return nil
}

// pinned returns where the append loop starts when the spool holds a
// recorded append: at the record's place, in the chain of its frames,
// whatever the object looks like now.
func (sp *spooler) pinned() (base string, at origin, ok bool) {
	if sp == nil {
		return "", origin{}, false
	}
	ra := sp.recorded.Load()
	if ra == nil {
		return "", origin{}, false
	}
	in := ra.in
	at = origin{key: in.Key, rotation: sp.w.cfg.rotationOf(ra.base, in.Key), obj: ossapi.Object{
		Exists: in.Pos > 0, Type: "Appendable", Length: in.Pos, CRC: in.CRC, HasCRC: in.CRCKnown,
	}}
	return ra.base, at, true
}

// isRecorded says whether frame id is one of the recorded append's.
func (sp *spooler) isRecorded(id uint64) bool {
	ra := sp.recorded.Load()
	return ra != nil && id >= ra.first && id <= ra.last
}

// recordedFrom says whether f is the first frame of the recorded append
// left, and if so returns the ID of its last.
func (sp *spooler) recordedFrom(f *frame) (uint64, bool) {
	if sp == nil {
		return 0, false
	}
	ra := sp.recorded.Load()
	if ra == nil || f.spoolID != ra.first {
		return 0, false
	}
	return ra.last, true
}

// recordedBodies returns the bodies the record says an earlier writer may
// have appended at pos of key, if group holds the recorded append's
// frames and that is where they go; nil otherwise.
func (sp *spooler) recordedBodies(group []*frame, key string, pos int64) []sent {
	if sp == nil {
		return nil
	}
	ra := sp.recorded.Load()
	if ra == nil || group[0].spoolID != ra.first || key != ra.in.Key || pos != ra.in.Pos {
		return nil
	}
	bodies := []sent{recordedBody{spool.Body{Len: ra.in.Len, CRC: ra.in.BodyCRC}}}
	for _, b := range ra.in.Earlier {
		bodies = append(bodies, recordedBody{b})
	}
	return bodies
}

// settledRecorded forgets the recorded append once group, its frames, is
// settled.
func (sp *spooler) settledRecorded(group []*frame) {
	if sp == nil {
		return
	}
	if ra := sp.recorded.Load(); ra != nil && group[0].spoolID == ra.first {
		sp.recorded.Store(nil)
	}
}

// foundStored counts the frames of group, which the append loop found
// stored by an earlier writer's append.
func (sp *spooler) foundStored(group []*frame) {
	if sp != nil {
		sp.counts.foundStored.Add(int64(len(group)))
	}
}

// earlierBodies are the bodies a new record of the recorded append's
// frames at its place keeps besides its own: those that may still land.
// Past spool.MaxEarlier, the first (the original writer's) and the newest
// are kept.
func earlierBodies(in spool.Intent, others []sent) []spool.Body {
	var out []spool.Body
	for _, s := range others {
		b := spool.Body{Len: s.Len(), CRC: s.CRC64()}
		if (b != spool.Body{Len: in.Len, CRC: in.BodyCRC}) && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	if len(out) > spool.MaxEarlier {
		out = append(out[:1], out[len(out)-spool.MaxEarlier+1:]...)
	}
	return out
}
