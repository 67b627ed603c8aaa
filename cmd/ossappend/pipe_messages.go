package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/ossappend/ossappend"
)

// This file holds every message pipe prints on standard error, each as a
// note: its level, its line in text format and its msg and attributes in
// JSON. Every JSON message of pipe also carries the bucket and the key
// given (the layout with --layout), as the metrics are labelled; durations
// are in seconds, sizes in bytes.

// metricsNote says where /metrics is served.
func metricsNote(addr net.Addr) note {
	url := "http://" + addr.String() + "/metrics"
	return note{level: slog.LevelInfo, text: "serving metrics at " + url, msg: "serving metrics",
		attrs: []slog.Attr{slog.String("url", url)}}
}

// metricsServerNote is a warning of the server of /metrics: a failed
// scrape, or a connection it could not accept.
func metricsServerNote(msg string) note {
	return note{level: slog.LevelWarn, text: "warning: --metrics-addr: " + msg, msg: "metrics server",
		attrs: []slog.Attr{slog.String("error", msg)}}
}

// spoolNote says that the frames an earlier writer left in the spool go
// first.
func spoolNote(dir string, frames, bytes int64) note {
	return note{level: slog.LevelInfo,
		text:  fmt.Sprintf("sending first the %s (%s) left in the spool %s", plural(frames, "frame"), humanBytes(bytes), dir),
		msg:   "sending the spool's frames",
		attrs: []slog.Attr{slog.String("spool", dir), slog.Int64("frames", frames), slog.Int64("bytes", bytes)}}
}

// reportNote is what the writer's error handler hears that pipe tells:
// a move to another object (after a conflict, past an object it cannot
// append to or read) and a damaged spool file. What stops the writer is
// not one of them: it comes back from Write or Shutdown.
func reportNote(err error, bucket string) (note, bool) {
	var msg string
	switch {
	case errors.Is(err, ossappend.ErrConflict):
		msg = "object changed by another writer"
	case errors.Is(err, ossappend.ErrNotAppendable):
		msg = "object not appendable"
	case errors.Is(err, ossappend.ErrArchived):
		msg = "object archived"
	case errors.Is(err, ossappend.ErrSpoolDamaged):
		msg = "spool file damaged"
	default:
		return note{}, false
	}
	text := urlify(reason(err), bucket)
	return note{level: slog.LevelWarn, text: "warning: " + text, msg: msg, attrs: []slog.Attr{slog.String("error", text)}}, true
}

// teeNote says that copying to standard output stopped.
func teeNote(err error) note {
	return note{level: slog.LevelWarn, text: "warning: --tee stopped: " + oneLine(err), msg: "--tee stopped",
		attrs: []slog.Attr{slog.String("error", oneLine(err))}}
}

// cutNote says that n bytes of a line were left out after a signal, and
// why.
func cutNote(where string, n int, why string) note {
	return note{level: slog.LevelWarn,
		text:  fmt.Sprintf("warning: pipe %s: left out the last %s read, the start of a line: %s", where, plural(int64(n), "byte"), why),
		msg:   "left out the start of a line",
		attrs: []slog.Attr{slog.Int("bytes", n), slog.String("reason", why)}}
}

// outageNote warns that appends to u have failed for failing, because of
// cause, and that the writer retries for retryFor (0: until they work).
func outageNote(u objectURL, failing time.Duration, cause string, retryFor time.Duration) note {
	retry := fmt.Sprintf("retrying for up to %s (--retry-for)", durationFlag(retryFor))
	if retryFor == 0 {
		retry = "retrying until they work (--retry-for 0)"
	}
	return note{level: slog.LevelWarn,
		text: fmt.Sprintf("warning: appends to %s have failed for %v: %s; %s", u, roughly(failing), cause, retry),
		msg:  "appends failing",
		attrs: []slog.Attr{slog.String("object", u.String()), seconds("failing_for", failing), slog.String("error", cause),
			seconds("retry_for", retryFor)}}
}

// againNote says that appends to u work again after failing for lasted.
// It has the warning's level: whoever sees the warning sees its end.
func againNote(u objectURL, lasted time.Duration) note {
	return note{level: slog.LevelWarn,
		text:  fmt.Sprintf("appends to %s work again, after failing for %v", u, roughly(lasted)),
		msg:   "appends work again",
		attrs: []slog.Attr{slog.String("object", u.String()), seconds("failed_for", lasted)}}
}

// progressNote is a progress line: in bytes read in elapsed, and the
// writer's figures st; line is the progress bar's description of them.
func progressNote(line string, in int64, st ossappend.Stats, elapsed time.Duration) note {
	return note{level: slog.LevelInfo, text: line + ", " + perSecond(in, elapsed), msg: "progress",
		attrs: append(figures(in, st), seconds("duration", elapsed))}
}

// summaryNote sums up a pipe into u that read in bytes in elapsed.
func summaryNote(u objectURL, in int64, st ossappend.Stats, elapsed time.Duration) note {
	n := note{level: slog.LevelInfo, msg: "summary",
		attrs: append(figures(in, st), seconds("duration", elapsed), slog.String("object", u.String()))}
	if in == 0 {
		n.text = "nothing read, nothing stored"
		return n
	}
	n.text = fmt.Sprintf("%s in, %s stored in %s (%s), %s, %s in %v",
		humanBytes(in), humanBytes(st.BytesAppended), u, ratio(st.BytesStored, st.BytesAppended),
		plural(st.Appends, "append"), perSecond(in, elapsed), roughly(elapsed))
	return n
}

// figures are the attributes of a progress line or a summary: bytes read,
// of those stored, the bytes appended (after compression) and the
// appends, as the metrics of the same names count them.
func figures(in int64, st ossappend.Stats) []slog.Attr {
	return []slog.Attr{slog.Int64("bytes", in), slog.Int64("stored_bytes", st.BytesStored),
		slog.Int64("appended_bytes", st.BytesAppended), slog.Int64("appends", st.Appends)}
}

// requestNote tells of one request of the writer, at level debug.
func requestNote(bucket string, r ossappend.Request) note {
	u := objectURL{bucket, r.Key}
	n := note{level: slog.LevelDebug, msg: "request",
		attrs: []slog.Attr{slog.String("op", r.Op), slog.String("object", u.String()), slog.Int64("bytes", r.Bytes),
			seconds("duration", r.Duration)}}
	what := fmt.Sprintf("%s %s", r.Op, u)
	if r.Op == "AppendObject" {
		what += ", " + humanBytes(r.Bytes)
	}
	if r.Err != nil {
		cause := urlify(stripPackages(oneLine(describe(r.Err))), bucket)
		n.text = fmt.Sprintf("%s: failed after %v: %s", what, roughly(r.Duration), cause)
		n.attrs = append(n.attrs, slog.String("error", cause))
		return n
	}
	n.text = fmt.Sprintf("%s: %v", what, roughly(r.Duration))
	return n
}

// localNote is a warning of the embedded server of --local: damaged
// objects it moved aside as it started.
func localNote(msg string) note {
	return note{level: slog.LevelWarn, text: "warning: " + msg, msg: "embedded server",
		attrs: []slog.Attr{slog.String("warning", msg)}}
}

// failNote is the error that ends pipe: the one line message makes of it,
// with the exit status it causes.
func failNote(err error) note {
	return note{level: slog.LevelError, text: reason(err), msg: "pipe failed",
		attrs: []slog.Attr{slog.String("error", reason(err)), slog.Int("exit_status", exitStatus(err))}}
}

// requestLog is an ossappend.Observer that tells each request of the
// writer, at level debug.
type requestLog struct{ log *messages }

func (requestLog) Opened(*ossappend.Writer) {}
func (requestLog) Closed(*ossappend.Writer) {}
func (l requestLog) Requested(w *ossappend.Writer, r ossappend.Request) {
	l.log.print(requestNote(w.Info().Bucket, r))
}
