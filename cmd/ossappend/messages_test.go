package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
)

// TestMessagesFormats: a note is a line of text after "ossappend: ", or a
// JSON object with time, level, msg, the attributes given to with and its
// own; notes below the level are left out, unless printed always.
func TestMessagesFormats(t *testing.T) {
	warn := outageNote(objectURL{"b", "k.log"}, 90*time.Second, "connection refused", 0)
	info := summaryNote(objectURL{"b", "k.log"}, 0, ossappend.Stats{}, time.Second)

	var text strings.Builder
	m := newMessages(&text, formatText, slog.LevelWarn)
	m.with(slog.String("bucket", "b"))
	m.print(info)
	m.print(warn)
	m.always(info)
	want := "ossappend: warning: appends to oss://b/k.log have failed for 1m30s: connection refused; retrying until they work (--retry-for 0)\n" +
		"ossappend: nothing read, nothing stored\n"
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}

	var js strings.Builder
	m = newMessages(&js, formatJSON, slog.LevelInfo)
	m.with(slog.String("bucket", "b"), slog.String("key", "k.log"))
	m.print(requestNote("b", ossappend.Request{Op: "AppendObject", Key: "k.log", Bytes: 10, Err: errors.New("boom")}))
	m.print(warn)
	m.print(failNote(usagef("bad flag")))
	lines := strings.Split(strings.TrimSuffix(js.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("JSON: %q, want 2 lines: the debug note left out", js.String())
	}
	var got []map[string]any
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, v)
	}
	if g := got[0]; g["level"] != "WARN" || g["msg"] != "appends failing" || g["bucket"] != "b" || g["key"] != "k.log" ||
		g["object"] != "oss://b/k.log" || g["failing_for"] != 90.0 || g["retry_for"] != 0.0 || g["error"] != "connection refused" {
		t.Errorf("warning: %v", g)
	}
	if g := got[1]; g["level"] != "ERROR" || g["msg"] != "pipe failed" || g["error"] != "bad flag" || g["exit_status"] != float64(exitUsage) {
		t.Errorf("error: %v", g)
	}
}
