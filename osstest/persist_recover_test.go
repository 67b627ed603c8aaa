package osstest

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// warnLog collects the warnings of a server.
type warnLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnLog) add(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// find returns the warning that contains every one of words, failing the
// test if there is none.
func (w *warnLog) find(t *testing.T, words ...string) string {
	t.Helper()
	for _, m := range w.all() {
		ok := true
		for _, word := range words {
			ok = ok && strings.Contains(m, word)
		}
		if ok {
			if strings.Contains(m, "\n") {
				t.Errorf("warning on more than one line: %q", m)
			}
			return m
		}
	}
	t.Fatalf("no warning with %q among %q", words, w.all())
	return ""
}

// reopen starts a server on dir, collecting its warnings.
func reopen(t *testing.T, dir string) (*Server, *warnLog) {
	t.Helper()
	w := &warnLog{}
	return newServer(t, WithDir(dir), WithWarnings(w.add)), w
}

// dataFile returns the one data file of an object.
func dataFile(t *testing.T, dir, bucket, key string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, bucket, objectsDir, keyHash(key)+"-*.data"))
	if len(files) != 1 {
		t.Fatalf("data files of %s/%s: %v", bucket, key, files)
	}
	return files[0]
}

// quarantined returns the contents of the files under dir's quarantine,
// by base name.
func quarantined(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(dir, quarantineDir)
	_ = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = string(raw)
		}
		return nil
	})
	return out
}

// storeAppendable makes bucket b with an appendable object "log" of three
// appends of ten bytes, and a Normal object "normal", then closes the server.
func storeAppendable(t *testing.T, dir string) {
	t.Helper()
	s := NewServer(WithDir(dir))
	defer s.Close()
	if err := s.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	for i, part := range []string{"0123456789", "abcdefghij", "ABCDEFGHIJ"} {
		if _, err := appendAt(c, "bkt", "log", int64(10*i), part); err != nil {
			t.Fatal(err)
		}
	}
	put(t, c, "bkt", "normal", "a whole object")
}

// withCheckpointEvery sets how far apart an appendable object's checkpoints
// are for the length of a test.
func withCheckpointEvery(t *testing.T, n int64) {
	saved := checkpointEvery
	checkpointEvery = n
	t.Cleanup(func() { checkpointEvery = saved })
}

// TestOpenKeepsLongerDataFile: the bytes past an object's recorded length
// (an append cut short, or a write this server did not make) are neither
// served nor cut off on open; the next append goes where the record says.
func TestOpenKeepsLongerDataFile(t *testing.T) {
	dir := t.TempDir()
	storeAppendable(t, dir)
	file := dataFile(t, dir, "bkt", "log")
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("-tail-"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghijABCDEFGHIJ" {
		t.Errorf("object holds %q", got)
	}
	if raw, _ := os.ReadFile(file); string(raw) != "0123456789abcdefghijABCDEFGHIJ-tail-" {
		t.Errorf("the data file was changed on open: %q", raw)
	}
	if len(w.all()) != 0 {
		t.Errorf("warnings: %q", w.all())
	}
	if _, err := appendAt(s.Client(), "bkt", "log", 30, "+next"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, _ = reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghijABCDEFGHIJ+next" {
		t.Errorf("after an append the object holds %q", got)
	}
}

// TestFlippedByte: one flipped byte in a data file costs the object at
// most what follows its last verified checkpoint, and the damaged files
// are kept aside and named in a warning.
func TestFlippedByte(t *testing.T) {
	withCheckpointEvery(t, 10)
	dir := t.TempDir()
	storeAppendable(t, dir)
	for key, at := range map[string]int64{"log": 25, "normal": 3} {
		file := dataFile(t, dir, "bkt", key)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		raw[at] ^= 0x20
		if err := os.WriteFile(file, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghij" {
		t.Errorf("damaged appendable object holds %q, want its first two appends", got)
	}
	w.find(t, "bkt/log", "20 of 30 bytes", filepath.Join(dir, quarantineDir))
	w.find(t, "bkt/normal", filepath.Join(dir, quarantineDir))
	if _, ok := s.Object("bkt", "normal"); ok {
		t.Error("a damaged Normal object is served")
	}
	q := quarantined(t, dir)
	var kept []string
	for name, content := range q {
		if strings.HasSuffix(name, ".data") {
			kept = append(kept, content)
		}
	}
	if !containsAll(kept, "0123456789abcdefghijABCDEfGHIJ", "a wHole object") {
		t.Errorf("quarantined data %q, want both damaged files whole", kept)
	}
	// What was kept is an appendable object like any other.
	c := s.Client()
	h, err := c.HeadObject(ctx, headReq("bkt", "log"))
	if err != nil || h.NextAppendPosition == nil || *h.NextAppendPosition != "20" {
		t.Fatalf("HeadObject: %v, %v", h, err)
	}
	if _, err := c.AppendObject(ctx, appendReq("bkt", "log", 20, "+more", h.HashCRC64)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, w = reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghij+more" {
		t.Errorf("after a restart the object holds %q", got)
	}
	if len(w.all()) != 0 {
		t.Errorf("warnings on the next start: %q", w.all())
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestTruncatedDataFile: a data file shorter than its record keeps the
// verified prefix it still holds.
func TestTruncatedDataFile(t *testing.T) {
	withCheckpointEvery(t, 10)
	dir := t.TempDir()
	storeAppendable(t, dir)
	if err := os.Truncate(dataFile(t, dir, "bkt", "log"), 15); err != nil {
		t.Fatal(err)
	}
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789" {
		t.Errorf("object holds %q", got)
	}
	w.find(t, "bkt/log", "15", "30")
	if q := quarantined(t, dir); !containsAll(values(q), "0123456789abcde") {
		t.Errorf("quarantine holds %q", q)
	}
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestTornRecord: an object whose record cannot be read is not served, and
// its record and data are kept aside.
func TestTornRecord(t *testing.T) {
	dir := t.TempDir()
	storeAppendable(t, dir)
	record := filepath.Join(dir, "bkt", objectsDir, keyHash("log")+".json")
	if err := os.WriteFile(record, []byte(`{"key":"log","ty`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, w := reopen(t, dir)
	if _, ok := s.Object("bkt", "log"); ok {
		t.Error("an object with a torn record is served")
	}
	if got := objectText(t, s, "bkt", "normal"); got != "a whole object" {
		t.Errorf("the other object holds %q", got)
	}
	w.find(t, keyHash("log"), filepath.Join(dir, quarantineDir))
	q := quarantined(t, dir)
	if !containsAll(values(q), `{"key":"log","ty`, "0123456789abcdefghijABCDEFGHIJ") {
		t.Errorf("quarantine holds %q", q)
	}
}

// TestTornBucketRecord: a bucket whose record cannot be read keeps its
// objects, with default settings.
func TestTornBucketRecord(t *testing.T) {
	dir := t.TempDir()
	storeAppendable(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "bkt", bucketFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghijABCDEFGHIJ" {
		t.Errorf("object holds %q", got)
	}
	w.find(t, "bucket bkt", filepath.Join(dir, quarantineDir))
}

// TestOrphanDataFile: a data file that no record names, which this server
// does not leave behind, is kept aside, not deleted; what a crash of this
// server leaves (temporary files) is removed.
func TestOrphanDataFile(t *testing.T) {
	dir := t.TempDir()
	storeAppendable(t, dir)
	objects := filepath.Join(dir, "bkt", objectsDir)
	orphan := keyHash("orphan") + "-1.data"
	for name, content := range map[string]string{orphan: "orphan bytes", ".tmp-123": "{}"} {
		if err := os.WriteFile(filepath.Join(objects, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789abcdefghijABCDEFGHIJ" {
		t.Errorf("object holds %q", got)
	}
	w.find(t, orphan, filepath.Join(dir, quarantineDir))
	if q := quarantined(t, dir); q[orphan] != "orphan bytes" {
		t.Errorf("quarantine holds %q", q)
	}
	if _, err := os.Stat(filepath.Join(objects, ".tmp-123")); !os.IsNotExist(err) {
		t.Errorf("a temporary file was left: %v", err)
	}
}

// TestPrivateFiles: everything the server writes is for its owner only.
func TestPrivateFiles(t *testing.T) {
	if os.PathSeparator != '/' {
		t.Skip("permission bits are a Unix matter")
	}
	dir := filepath.Join(t.TempDir(), "data")
	storeAppendable(t, dir)
	s := NewServer(WithDir(dir))
	put(t, s.Client(), "bkt", "replaced", "x")
	s.Close()
	n := 0
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		n++
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil || n < 8 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// TestWarningsReachTheLogger: WithLogger's logger gets the warnings at
// warning level, without WithWarnings too.
func TestWarningsReachTheLogger(t *testing.T) {
	dir := t.TempDir()
	storeAppendable(t, dir)
	orphan := keyHash("orphan") + "-1.data"
	if err := os.WriteFile(filepath.Join(dir, "bkt", objectsDir, orphan), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	newServer(t, WithDir(dir), WithLogger(logger))
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), orphan) {
		t.Errorf("the log holds %q", logged.String())
	}
}
