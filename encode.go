package ossappend

// compress is one of the Concurrency goroutines that encode queued frames.
// Frames reach it in order but may finish out of order; the append loop
// waits for each frame's ready token, in order, so appends stay in order.
func (w *Writer) compress() error {
	codec := w.cfg.codec
	for f := range w.encodeQ {
		f.enc, f.err = codec.Encode(f.enc[:0], f.buf)
		f.ready <- struct{}{}
	}
	return nil
}
