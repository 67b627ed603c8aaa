package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// jsonMessages parses what pipe --log-format json printed on standard
// error: every line must be a JSON object with a time, a level, a msg, and
// the bucket and key of pipe's object.
func jsonMessages(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	for line := range strings.Lines(stderr) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a line that is not a JSON object: %q: %v", line, err)
		}
		ts, _ := m["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("%q: time %q: %v", line, ts, err)
		}
		if level, _ := m["level"].(string); !strings.Contains(" DEBUG INFO WARN ERROR ", " "+level+" ") || m["msg"] == "" {
			t.Errorf("%q: no level or msg", line)
		}
		if m["bucket"] != testBucket || m["key"] == "" {
			t.Errorf("%q: no bucket or key", line)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// withMsg returns the messages of msgs whose msg is msg.
func withMsg(msgs []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, m := range msgs {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestPipeLogLevels: each --log-level prints the messages of its level
// and above, in text and in JSON; -q is --log-level warn.
func TestPipeLogLevels(t *testing.T) {
	srv := newTestServer(t)
	const input = "one\ntwo\n"
	for _, tc := range []struct {
		flags []string
		msgs  []string // the msg of each JSON message, in order; the text lines with "ossappend: " for text
	}{
		{[]string{"--log-format", "json"}, []string{"summary"}},
		{[]string{"--log-format", "json", "--log-level", "info"}, []string{"summary"}},
		{[]string{"--log-format", "json", "--log-level", "debug"}, []string{"request", "summary"}},
		{[]string{"--log-format", "json", "--log-level", "warn"}, nil},
		{[]string{"--log-format", "json", "--log-level", "error"}, nil},
		{[]string{"--log-format", "json", "-q"}, nil},
		{[]string{"--log-format", "json", "-q", "--log-level", "error"}, nil},
		{[]string{"--log-level", "debug"}, []string{"AppendObject oss://cli-test/levels.log, 8 B: ", "8 B in, 8 B stored in oss://cli-test/levels.log"}},
		{[]string{"--log-format", "text", "--log-level", "info"}, []string{"8 B in, 8 B stored in oss://cli-test/levels.log"}},
		{[]string{"--log-level", "warn"}, nil},
	} {
		args := append(append([]string{"pipe"}, tc.flags...), url("levels.log"))
		r := mustRunBin(t, srv.env(), input, srv.args(args...)...)
		var got []string
		if strings.Contains(strings.Join(tc.flags, " "), "json") {
			msgs := jsonMessages(t, r.stderr)
			for _, m := range msgs {
				got = append(got, m["msg"].(string))
			}
			for _, m := range withMsg(msgs, "request") {
				if m["level"] != "DEBUG" || m["op"] != "AppendObject" || m["object"] != url("levels.log") || m["bytes"] != float64(len(input)) || m["duration"].(float64) <= 0 {
					t.Errorf("%v: request %v", tc.flags, m)
				}
			}
			for _, m := range withMsg(msgs, "summary") {
				if m["level"] != "INFO" || m["bytes"] != float64(len(input)) || m["stored_bytes"] != float64(len(input)) ||
					m["appends"] != float64(1) || m["object"] != url("levels.log") || m["key"] != "levels.log" || m["duration"].(float64) <= 0 {
					t.Errorf("%v: summary %v", tc.flags, m)
				}
			}
		} else {
			for line := range strings.Lines(r.stderr) {
				got = append(got, line)
			}
		}
		if len(got) != len(tc.msgs) {
			t.Errorf("%v: printed %q, want %q", tc.flags, got, tc.msgs)
			continue
		}
		for i, want := range tc.msgs {
			if !strings.HasPrefix(strings.TrimPrefix(got[i], "ossappend: "), want) {
				t.Errorf("%v: message %d is %q, want %q", tc.flags, i, got[i], want)
			}
		}
	}
	for _, flags := range [][]string{{"-q", "--log-level", "info"}, {"-q", "--log-level", "debug"}, {"--log-level", "warn", "--progress"}} {
		args := append(append([]string{"pipe"}, flags...), url("levels.log"))
		checkFailure(t, runBin(t, srv.env(), input, srv.args(args...)...), exitUsage, flags[len(flags)-2], flags[len(flags)-1])
	}
	for _, flags := range [][]string{{"--log-level", "verbose"}, {"--log-format", "xml"}} {
		args := append(append([]string{"pipe"}, flags...), url("levels.log"))
		if r := runBin(t, srv.env(), input, srv.args(args...)...); r.code != exitUsage || !strings.Contains(r.stderr, flags[0]) {
			t.Errorf("%v: %v", flags, r)
		}
	}
}

// TestPipeLogOutageJSON: the outage warning and its end are JSON
// messages of level WARN with the object, the cause and how long appends
// failed, and -q keeps them.
func TestPipeLogOutageJSON(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	p := start(t, srv.env(), srv.args("pipe", "-q", "--log-format", "json", "--warn-after", "0s", "--retry-for", "0", "--flush-interval", "10ms", url("outage.log"))...)
	io.WriteString(p.stdin, "through\n")
	waitFor(t, "a warning", func() bool { return strings.Contains(p.stderr.String(), `"appends failing"`) })
	srv.SetFaults(1)
	waitFor(t, "the all-clear", func() bool { return strings.Contains(p.stderr.String(), `"appends work again"`) })
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	msgs := jsonMessages(t, p.stderr.String())
	if len(msgs) != 2 {
		t.Fatalf("printed %v, want the warning and its end", msgs)
	}
	warn, again := msgs[0], msgs[1]
	if warn["level"] != "WARN" || warn["msg"] != "appends failing" || warn["object"] != url("outage.log") ||
		!strings.Contains(warn["error"].(string), "ServiceUnavailable") || warn["failing_for"].(float64) <= 0 || warn["retry_for"] != float64(0) {
		t.Errorf("warning %v", warn)
	}
	if again["level"] != "WARN" || again["msg"] != "appends work again" || again["object"] != url("outage.log") || again["failed_for"].(float64) <= 0 {
		t.Errorf("all-clear %v", again)
	}
}

// TestPipeLogFailure: the error that ends pipe is one line, a JSON one in
// JSON, with the exit status; --log-level error prints it alone.
func TestPipeLogFailure(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	r := runBin(t, srv.env(), "lost\n", srv.args("pipe", "--log-format", "json", "--log-level", "error", "--warn-after", "0s", "--retry-for", "100ms", url("fails.log"))...)
	if r.code != exitFailure {
		t.Errorf("exit status %d, want %d", r.code, exitFailure)
	}
	msgs := jsonMessages(t, r.stderr)
	if len(msgs) != 1 || msgs[0]["level"] != "ERROR" || msgs[0]["msg"] != "pipe failed" || msgs[0]["exit_status"] != float64(exitFailure) ||
		!strings.HasPrefix(msgs[0]["error"].(string), "pipe: append oss://cli-test/fails.log ") || !strings.Contains(msgs[0]["error"].(string), "bytes not stored") {
		t.Errorf("printed %q, want one JSON error", r.stderr)
	}
	r = runBin(t, srv.env(), "lost\n", srv.args("pipe", "--log-level", "error", "--warn-after", "0s", "--retry-for", "100ms", url("fails.log"))...)
	checkFailure(t, r, exitFailure, "pipe: append oss://cli-test/fails.log ", "bytes not stored")
	// A usage error found once the command line is parsed is JSON too.
	r = runBin(t, srv.env(), "", srv.args("pipe", "--log-format", "json", "--compress", "lzma", url("fails.log"))...)
	if msgs := jsonMessages(t, r.stderr); r.code != exitUsage || len(msgs) != 1 || msgs[0]["exit_status"] != float64(exitUsage) {
		t.Errorf("usage error: %v", r)
	}
}

// TestPipeLogConflictJSON: the writer's report of a conflict, and its move
// to a new object, is a WARN message.
func TestPipeLogConflictJSON(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "--log-format", "json", "--flush-interval", "10ms", url("shared.log"))...)
	io.WriteString(p.stdin, "mine\n")
	waitFor(t, "the line stored", func() bool { obj, _ := srv.Object(testBucket, "shared.log"); return len(obj) == 5 })
	_, err := srv.client.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("shared.log"), Position: oss.Ptr(int64(5)), Body: strings.NewReader("theirs\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(p.stdin, "mine too\n")
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	msgs := jsonMessages(t, p.stderr.String())
	conflicts := withMsg(msgs, "object changed by another writer")
	if len(conflicts) != 1 || conflicts[0]["level"] != "WARN" || !strings.Contains(conflicts[0]["error"].(string), "goes on in oss://cli-test/shared.1.log") {
		t.Errorf("printed %v, want a warning of the conflict", msgs)
	}
	if s := withMsg(msgs, "summary"); len(s) != 1 || s[0]["object"] != url("shared.1.log") || s[0]["key"] != "shared.log" {
		t.Errorf("summary %v, want the object moved to, and the key given", s)
	}
}
