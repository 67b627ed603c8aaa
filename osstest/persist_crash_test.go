package osstest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDiskMode runs tests of objects against a server that keeps them in
// a directory, where the bytes take another path than in memory.
func TestDiskMode(t *testing.T) {
	inDir = true
	defer func() { inDir = false }()
	if s := newServer(t); s.store.persist == nil {
		t.Fatal("newServer keeps objects in memory")
	}
	for name, test := range map[string]func(*testing.T){
		"AppendObject":                   TestAppendObject,
		"AppendObjectErrors":             TestAppendObjectErrors,
		"AppendObjectCreateHeaders":      TestAppendObjectCreateHeaders,
		"AppendObjectContentMD5":         TestAppendObjectContentMD5,
		"AppendRace":                     TestAppendRace,
		"AppendFile":                     TestAppendFile,
		"SealAppendObject":               TestSealAppendObject,
		"PutObjectMakesAppendableNormal": TestPutObjectMakesAppendableNormal,
		"PutGetObject":                   TestPutGetObject,
		"PutObjectErrors":                TestPutObjectErrors,
		"GetObjectRange":                 TestGetObjectRange,
		"GetObjectConditions":            TestGetObjectConditions,
		"DeleteObject":                   TestDeleteObject,
		"DeleteMultipleObjects":          TestDeleteMultipleObjects,
		"CopyObject":                     TestCopyObject,
		"ObjectACLAndTagging":            TestObjectACLAndTagging,
		"ObjectNames":                    TestObjectNames,
		"MultipartUpload":                TestMultipartUpload,
		"ListObjectVersionsAndUploads":   TestListObjectVersionsAndUploads,
		"Buckets":                        TestBuckets,
		"SignatureVersions":              TestSignatureVersions,
	} {
		t.Run(name, test)
	}
}

// crashState stores an appendable object "log" ("0123456789") in bucket
// bkt and returns its objects directory, its record and its data file name.
func crashState(t *testing.T, dir string) (objects, record, data string) {
	t.Helper()
	s := NewServer(WithDir(dir))
	if err := s.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(s.Client(), "bkt", "log", 0, "0123456789"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	objects = filepath.Join(dir, "bkt", objectsDir)
	return objects, filepath.Join(objects, keyHash("log")+".json"), filepath.Base(dataFile(t, dir, "bkt", "log"))
}

func mustRename(t *testing.T, dir, from, to string) {
	t.Helper()
	if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
		t.Fatal(err)
	}
}

func wantGone(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
}

// TestCrashAfterRecord: a write whose record is durable but whose data file
// is still being put in place is finished on start.
func TestCrashAfterRecord(t *testing.T) {
	dir := t.TempDir()
	objects, _, data := crashState(t, dir)
	mustRename(t, objects, data, newPrefix+data)
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789" {
		t.Errorf("object holds %q", got)
	}
	if _, err := os.Stat(filepath.Join(objects, data)); err != nil {
		t.Error(err)
	}
	if len(w.all()) != 0 {
		t.Errorf("warnings: %q", w.all())
	}
}

// TestCrashInDelete: a delete cut short before its record went is undone;
// one cut short after, finished.
func TestCrashInDelete(t *testing.T) {
	dir := t.TempDir()
	objects, record, data := crashState(t, dir)
	mustRename(t, objects, data, delPrefix+data)
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789" {
		t.Errorf("object holds %q", got)
	}
	s.Close()

	mustRename(t, objects, data, delPrefix+data)
	if err := os.Remove(record); err != nil {
		t.Fatal(err)
	}
	s, w2 := reopen(t, dir)
	if _, ok := s.Object("bkt", "log"); ok {
		t.Error("a deleted object came back")
	}
	wantGone(t, filepath.Join(objects, delPrefix+data))
	if len(w.all())+len(w2.all()) != 0 {
		t.Errorf("warnings: %q %q", w.all(), w2.all())
	}
}

// TestCrashLeftovers: what a write cut short before its record, a
// replacement cut short after it, or a record (of an object or a bucket)
// cut short leaves is removed on start, silently.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	objects, _, data := crashState(t, dir)
	unacknowledged := newPrefix + keyHash("new") + "-1.data" // a PutObject of a new key
	replaced := keyHash("log") + "-1.data"                   // the data the record no longer names
	for _, name := range []string{unacknowledged, replaced, newPrefix + keyHash("log") + "-2.data", tmpPrefix + "1", "../" + tmpPrefix + "2"} {
		if err := os.WriteFile(filepath.Join(objects, name), []byte("leftover"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, w := reopen(t, dir)
	if got := objectText(t, s, "bkt", "log"); got != "0123456789" {
		t.Errorf("object holds %q", got)
	}
	wantGone(t, filepath.Join(objects, unacknowledged), filepath.Join(objects, replaced),
		filepath.Join(objects, newPrefix+keyHash("log")+"-2.data"), filepath.Join(objects, tmpPrefix+"1"),
		filepath.Join(objects, "..", tmpPrefix+"2"))
	if _, err := os.Stat(filepath.Join(objects, data)); err != nil {
		t.Error(err)
	}
	if len(w.all()) != 0 {
		t.Errorf("warnings: %q", w.all())
	}
	if q := quarantined(t, dir); len(q) != 0 {
		t.Errorf("quarantine holds %q", q)
	}
}

// TestMissingDataFile: a record whose data file is gone is kept aside.
func TestMissingDataFile(t *testing.T) {
	dir := t.TempDir()
	objects, _, data := crashState(t, dir)
	if err := os.Remove(filepath.Join(objects, data)); err != nil {
		t.Fatal(err)
	}
	s, w := reopen(t, dir)
	if _, ok := s.Object("bkt", "log"); ok {
		t.Error("an object without data is served")
	}
	w.find(t, "bkt/log", data, "missing", filepath.Join(dir, quarantineDir))
	if q := quarantined(t, dir); q[keyHash("log")+".json"] == "" {
		t.Errorf("quarantine holds %q", q)
	}
}
