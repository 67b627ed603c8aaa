package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestVerifyLogs checks that the demo's verification passes on what
// writeLogs wrote and catches a lost, doubled, reordered or altered line.
func TestVerifyLogs(t *testing.T) {
	var buf bytes.Buffer
	rec := newRecorder(&buf)
	if err := writeLogs(context.Background(), rec, 1000, 3); err != nil {
		t.Fatal(err)
	}
	if got := rec.lines.Load(); got != 1000 {
		t.Fatalf("recorder counted %d lines, want 1000", got)
	}
	digest := rec.digest()
	if n, err := verifyLogs(bytes.NewReader(buf.Bytes()), 1000, 3, digest); err != nil || n != 1000 {
		t.Fatalf("verifyLogs of the log as written = %d, %v", n, err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	lines = lines[:len(lines)-1]
	for name, mutated := range map[string][]string{
		"lost":      append(append([]string{}, lines[:10]...), lines[11:]...),
		"doubled":   append(append([]string{}, lines[:11]...), lines[10:]...),
		"reordered": append(append(append([]string{}, lines[:10]...), lines[12], lines[11], lines[10]), lines[13:]...),
		"altered":   append(append(append([]string{}, lines[:10]...), strings.Replace(lines[10], "request", "REQUEST", 1)), lines[11:]...),
		"foreign":   append(append(append([]string{}, lines[:10]...), "hello\n"), lines[10:]...),
		"truncated": append(append([]string{}, lines[:999]...), strings.TrimSuffix(lines[999], "\n")),
	} {
		if _, err := verifyLogs(strings.NewReader(strings.Join(mutated, "")), 1000, 3, digest); err == nil {
			t.Errorf("%s: verifyLogs passed", name)
		}
	}
}
