package spool

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// examined is what a frame file holds, as recovery judges it.
type examined struct {
	h    header
	size int64  // bytes of data the file holds
	n    int64  // the committed length to keep
	crc  uint32 // CRC-32C of the first n bytes
	gen  uint64 // the highest generation of a valid commit record

	// fatal says why no length can be trusted: the file is damaged.
	fatal string
	// problems say what is damaged, or what committed bytes cannot be
	// kept, in a file of which the first n bytes are still good.
	problems []string
	// tidy is true for a file as Finish leaves it: no live length, no
	// bytes past n.
	tidy bool
}

// slotName names the commit records in messages.
var slotName = [3]string{"A", "B", "C"}

// examine reads frame id's file f and decides what of it to keep. boot
// is this boot's ID: a live length written under the same boot is kept
// without a checksum, since only a restart of the machine could have lost
// the bytes it counts.
func examine(f *os.File, id uint64, boot string) (examined, error) {
	var ex examined
	fi, err := f.Stat()
	if err != nil {
		return ex, err
	}
	if fi.Size() < pageSize {
		ex.fatal = fmt.Sprintf("the file is shorter than its header (%d bytes)", fi.Size())
		return ex, nil
	}
	page := make([]byte, pageSize)
	if _, err := f.ReadAt(page, 0); err != nil {
		return ex, err
	}
	h, why := decodeHeader(page)
	if why != "" {
		ex.fatal = why
		return ex, nil
	}
	if h.id != id {
		ex.fatal = fmt.Sprintf("its header names frame %d", h.id)
		return ex, nil
	}
	ex.h, ex.size = h, fi.Size()-pageSize
	limit := min(ex.size, h.capacity)

	var slots [3]slot
	var valid [3]bool
	var order []int // valid slots, newest first
	lens := []int64{0}
	for i, off := range slotOffsets {
		slots[i], valid[i] = getSlot(page[off:])
		if !valid[i] {
			ex.problems = append(ex.problems, "commit record "+slotName[i]+" is torn or damaged")
			continue
		}
		order = append(order, i)
		ex.gen = max(ex.gen, slots[i].gen)
		if slots[i].n <= limit {
			lens = append(lens, slots[i].n)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return -cmpU64(slots[a].gen, slots[b].gen) })
	live, liveUsed, liveOK := decodeLive(binary.LittleEndian.Uint64(page[offLive:]))
	trustLive := liveUsed && liveOK && boot != "" && h.boot == boot && live <= limit
	if trustLive {
		lens = append(lens, live)
	}
	crcs, err := prefixCRCs(f, pageSize, lens)
	if err != nil {
		return ex, err
	}

	ck := -1
	for _, i := range order {
		s := slots[i]
		switch {
		case s.n > h.capacity:
			ex.problems = append(ex.problems, fmt.Sprintf("commit record %s claims %d bytes, more than the frame's capacity", slotName[i], s.n))
		case s.n > ex.size:
			ex.problems = append(ex.problems, fmt.Sprintf("commit record %s claims %d bytes, the file holds %d (cut short)", slotName[i], s.n, ex.size))
		case crcs[s.n] != s.crc:
			ex.problems = append(ex.problems, fmt.Sprintf("the data does not match commit record %s (%d bytes)", slotName[i], s.n))
		default:
			ck = i
		}
		if ck >= 0 {
			break
		}
	}
	if ck < 0 {
		ex.fatal = "no commit record matches the data: " + strings.Join(ex.problems, "; ")
		ex.problems = nil
		return ex, nil
	}
	ex.n, ex.crc = slots[ck].n, slots[ck].crc

	switch {
	case !liveUsed:
	case !liveOK:
		ex.problems = append(ex.problems, "the live length is damaged")
	case live < ex.n:
		ex.problems = append(ex.problems, fmt.Sprintf("the live length (%d bytes) is below the last checkpoint (%d)", live, ex.n))
	case live == ex.n:
	case trustLive:
		ex.n, ex.crc = live, crcs[live]
	case h.boot != boot:
		ex.problems = append(ex.problems, fmt.Sprintf("%d bytes committed after the last sync cannot be verified: the machine restarted before they were synced", live-ex.n))
	default:
		ex.problems = append(ex.problems, fmt.Sprintf("the live length (%d bytes) is beyond the data the file holds (%d; cut short)", live, ex.size))
	}
	ex.tidy = !liveUsed && ex.size == ex.n
	return ex, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// prefixCRCs reads r from off and returns the CRC-32C of each of the
// given lengths of it, in one pass.
func prefixCRCs(r io.ReaderAt, off int64, lens []int64) (map[int64]uint32, error) {
	slices.Sort(lens)
	lens = slices.Compact(lens)
	out := make(map[int64]uint32, len(lens))
	var crc uint32
	var at int64
	buf := make([]byte, min(1<<20, lens[len(lens)-1]))
	for _, n := range lens {
		for at < n {
			chunk := buf[:min(int64(len(buf)), n-at)]
			if _, err := r.ReadAt(chunk, off+at); err != nil {
				return nil, err
			}
			crc = crc32c(crc, chunk)
			at += int64(len(chunk))
		}
		out[n] = crc
	}
	return out, nil
}
