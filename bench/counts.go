package bench

import "github.com/ossappend/ossappend"

// Counts are an ossappend.Writer's AppendObject requests and frames, from
// its Stats: with coalesced appends, frames that queued up behind a slow
// append go out together, so there are fewer appends than frames.
type Counts struct {
	Appends, Frames int64
}

// countsOf reads w's Counts; after Close they are final.
func countsOf(w *ossappend.Writer) Counts {
	s := w.Stats()
	return Counts{Appends: s.Appends, Frames: s.Frames}
}

// add sums two writers' Counts.
func (c Counts) add(d Counts) Counts {
	return Counts{Appends: c.Appends + d.Appends, Frames: c.Frames + d.Frames}
}

// PerFrame formats the appends per frame, or "–" for a peer without frames.
func (c Counts) PerFrame() string {
	if c.Frames == 0 {
		return "–"
	}
	return num(float64(c.Appends) / float64(c.Frames))
}
