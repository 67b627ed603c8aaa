package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Log formats (--log-format).
const (
	formatText = "text"
	formatJSON = "json"
)

// logLevels are the names --log-level takes.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// messages prints a command's messages on standard error, from any
// goroutine, one line each: in text, the line of old, "ossappend: ...";
// in JSON, an object with time, level, msg and the message's attributes,
// made by log/slog's JSON handler. Messages below its level are left out.
type messages struct {
	out   io.Writer
	level slog.Level
	json  slog.Handler // with --log-format json; nil for text

	mu    sync.Mutex // held while a message is printed, and the progress bar drawn
	clear func()     // called with mu held before a message: takes the progress bar away; nil without one
}

// A note is one message, in both formats.
type note struct {
	level slog.Level
	// text is the line in text format, after "ossappend: ".
	text string
	// msg is the message in JSON, the same each time (the figures are in
	// attrs), so that a log's reader can find every message of a kind.
	msg   string
	attrs []slog.Attr
}

// newMessages returns the messages of a command that prints in format
// (formatText or formatJSON) those of level and above on out.
func newMessages(out io.Writer, format string, level slog.Level) *messages {
	m := &messages{out: out, level: level}
	if format == formatJSON {
		m.json = slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	return m
}

// with adds attrs to every JSON message from now on. It is called before
// any other goroutine prints.
func (m *messages) with(attrs ...slog.Attr) {
	if m.json != nil {
		m.json = m.json.WithAttrs(attrs)
	}
}

// enabled reports whether messages of level l are printed.
func (m *messages) enabled(l slog.Level) bool { return l >= m.level }

// print prints n unless its level is below the messages'.
func (m *messages) print(n note) {
	if m.enabled(n.level) {
		m.always(n)
	}
}

// always prints n whatever its level: for the one message without which
// a user could not go on, such as the port a server picked.
func (m *messages) always(n note) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clear != nil {
		m.clear()
	}
	if m.json == nil {
		fmt.Fprintln(m.out, "ossappend: "+n.text)
		return
	}
	r := slog.NewRecord(time.Now(), n.level, n.msg, 0)
	r.AddAttrs(n.attrs...)
	m.json.Handle(context.Background(), r)
}

// draw runs fn, which draws the progress bar, while no message is
// printed.
func (m *messages) draw(fn func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn()
}

// seconds is an attribute holding a duration in seconds, as every
// duration of a JSON message is.
func seconds(key string, d time.Duration) slog.Attr { return slog.Float64(key, d.Seconds()) }
