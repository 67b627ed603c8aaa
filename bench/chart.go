package bench

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LatencyChart draws scenario 2: lines/s, on a log scale, against the
// injected latency, one line per peer, and saves it as a PNG at path.
func LatencyChart(results []NetResult, title, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "latency injected per request (ms)"
	p.Y.Label.Text = "lines logged per second (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.YOffs = -vg.Points(190) // below the buffered peers, above the per-line one
	p.Legend.Padding = vg.Points(2)

	var order []string
	byPeer := map[string]plotter.XYs{}
	var ticks []plot.Tick
	lo, hi := math.Inf(1), 0.0
	for _, r := range results {
		if _, ok := byPeer[r.Peer]; !ok {
			order = append(order, r.Peer)
		}
		ms := float64(r.Latency) / float64(time.Millisecond)
		byPeer[r.Peer] = append(byPeer[r.Peer], plotter.XY{X: ms, Y: r.LinesPerSec()})
		if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == ms }) {
			ticks = append(ticks, plot.Tick{Value: ms, Label: fmt.Sprintf("%g", ms)})
		}
		lo, hi = min(lo, r.LinesPerSec()), max(hi, r.LinesPerSec())
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
	var yticks []plot.Tick
	for v := p.Y.Min; v <= p.Y.Max*1.001; v *= 10 {
		yticks = append(yticks, plot.Tick{Value: v, Label: decade(v)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yticks)
	for i, peer := range order {
		l, s, err := plotter.NewLinePoints(byPeer[peer])
		if err != nil {
			return fmt.Errorf("chart: %s: %w", peer, err)
		}
		c := palette[i%len(palette)]
		l.Color, l.Width = c, vg.Points(2)
		s.Color, s.Shape = c, shapes[i%len(shapes)]
		s.Radius = vg.Points(3.5)
		p.Add(l, s)
		p.Legend.Add(peer, l, s)
	}
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}

// palette tells the peers apart, ossappend's two in warm colours first.
var palette = []color.Color{
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
}

var shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{},
}

// decade labels a power of ten: 10, 100, 1k, 10k, 100k, 1M, ...
func decade(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", v)
}
