package osstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend/internal/durable"

	"github.com/ossappend/ossappend/internal/dirlock"
)

// disk persists the store under a directory:
//
//	DIR/.lock                                   held by the server using DIR
//	DIR/<bucket>/bucket.json                    the bucket's record
//	DIR/<bucket>/objects/<h>.json               an object's record (h: hex SHA-256 of its key)
//	DIR/<bucket>/objects/<h>-<gen>.data         the object's bytes, named by its record
//	DIR/<bucket>/uploads/<id>-<n>-<gen>.part    a part of a multipart upload in progress
//	DIR/_quarantine/<time>-<bucket>-<what>/     damaged files, moved aside on start
//
// Every change is fsynced before it is answered, and is made so that a
// crash leaves only traces that the next start recognises as its own:
//
//   - New bytes (PutObject, CopyObject, a completed multipart upload, the
//     append that creates an object) are written whole to
//     objects/.new-<h>-<gen>.data and fsynced; then the record that names
//     <h>-<gen>.data replaces the old one; then the file is renamed to that
//     name and the old data file is removed. On start, a record whose data
//     file is still .new- gets it renamed (the write was finished), a .new-
//     file that no record names is removed (it was never acknowledged), and
//     a data file whose key has a record naming another one is removed (it
//     was replaced).
//   - An append writes and fsyncs its bytes past the recorded length of the
//     data file, then records the new length. Bytes past the recorded
//     length, the trace of an append cut short, are never served; start
//     leaves them alone and the next append overwrites them.
//   - A delete renames the data file to .del-<name>, removes the record,
//     then the file. On start, a record whose data file is .del- gets it back
//     (the delete did not happen) and a .del- file that no record names is
//     removed.
//   - Records are replaced atomically: written to a .tmp- file, fsynced,
//     renamed, the directory fsynced. Start removes .tmp- files.
//
// Everything else is kept. Start checks every object's bytes against the
// CRC-64 in its record and, for an appendable object, against the
// checkpoints recorded as it grew (see checkpointEvery); a damaged object
// is moved to the quarantine, and an appendable one is served again from
// its longest prefix that verifies. A data file that no record names, a
// record that cannot be read and a bucket record that cannot be read are
// moved to the quarantine too. Each is reported in a warning.
type disk struct {
	dir  string
	gen  atomic.Uint64
	lock *dirlock.Lock
	warn func(string)
}

// The names of the directory's files and folders.
const (
	bucketFile    = "bucket.json"
	objectsDir    = "objects"
	uploadsDir    = "uploads"
	quarantineDir = "_quarantine"
	newPrefix     = ".new-"
	delPrefix     = ".del-"
	tmpPrefix     = ".tmp-"
)

// Everything is created for the server's user alone.
const (
	dirPerm  fs.FileMode = 0o700
	filePerm fs.FileMode = 0o600
)

// ErrDirInUse is the error, wrapped in one that names the directory and the
// process holding it, that Start returns when the directory given to
// WithDir is in use by another server, in this process or another.
var ErrDirInUse = dirlock.ErrLocked

func (d *disk) bucketDir(name string) string  { return filepath.Join(d.dir, name) }
func (d *disk) objectsDir(name string) string { return filepath.Join(d.dir, name, objectsDir) }
func (d *disk) uploadsDir(name string) string { return filepath.Join(d.dir, name, uploadsDir) }

// keyHash names an object's files after its key, which may hold any byte.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// openDisk opens (creating it if needed) the directory dir, locks it, and
// loads the buckets and objects stored there, reporting what it finds
// damaged to warn.
func openDisk(dir string, warn func(string)) (*disk, map[string]*bucket, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, nil, fmt.Errorf("osstest: create data directory: %w", err)
	}
	lock, err := dirlock.Acquire(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("osstest: %w", err)
	}
	d := &disk{dir: dir, lock: lock, warn: warn}
	d.gen.Store(uint64(time.Now().UnixNano()))
	buckets, err := d.load()
	if err != nil {
		_ = lock.Release()
		return nil, nil, err
	}
	return d, buckets, nil
}

// close releases the directory.
func (d *disk) close() error { return d.lock.Release() }

// saveBucket writes a bucket record, creating the bucket's directories.
func (d *disk) saveBucket(m bucketMeta) error {
	if err := os.MkdirAll(d.objectsDir(m.Name), dirPerm); err != nil {
		return fmt.Errorf("osstest: save bucket: %w", err)
	}
	if err := syncDir(d.dir); err != nil {
		return err
	}
	return writeJSONAtomic(d.bucketDir(m.Name), bucketFile, m)
}

func (d *disk) removeBucket(name string) error {
	// Removing the record first leaves, after a crash, a directory that is
	// no bucket and is ignored on start.
	if err := os.Remove(filepath.Join(d.bucketDir(name), bucketFile)); err != nil {
		return fmt.Errorf("osstest: remove bucket: %w", err)
	}
	if err := os.RemoveAll(d.bucketDir(name)); err != nil {
		return fmt.Errorf("osstest: remove bucket: %w", err)
	}
	return syncDir(d.dir)
}

// newDataName names a fresh data file for a key.
func (d *disk) newDataName(key string) string {
	return fmt.Sprintf("%s-%x.data", keyHash(key), d.gen.Add(1))
}

// stagingPath returns where to write the new bytes of an object before the
// store takes them.
func (d *disk) stagingPath(bucketName, key string) string {
	return filepath.Join(d.objectsDir(bucketName), newPrefix+d.newDataName(key))
}

// partPath returns where to write a part of a multipart upload.
func (d *disk) partPath(bucketName, uploadID string, number int) (string, error) {
	dir := d.uploadsDir(bucketName)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", fmt.Errorf("osstest: %w", err)
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%d-%x.part", uploadID, number, d.gen.Add(1))), nil
}

// putData makes the staged bytes of b the data of the object m describes,
// replacing the object old if it is not nil: it writes the record, then
// renames the staging file into place, then removes the old data file.
func (d *disk) putData(bucketName string, m *objectMeta, b *blob, old *objectMeta) error {
	if b.path == "" { // bytes in memory: stage them first
		staged, err := stage(bytes.NewReader(b.data), d.stagingPath(bucketName, m.Key), b.size, false, errEntityTooLarge)
		if err != nil {
			return err
		}
		b = staged
	}
	dir := d.objectsDir(bucketName)
	name := strings.TrimPrefix(filepath.Base(b.path), newPrefix)
	m.DataFile = name
	if err := d.saveMeta(bucketName, m); err != nil {
		return err
	}
	if err := os.Rename(b.path, filepath.Join(dir, name)); err != nil {
		d.restoreMeta(bucketName, m.Key, old)
		return fmt.Errorf("osstest: store object: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if old != nil && old.DataFile != "" && old.DataFile != name {
		_ = os.Remove(filepath.Join(dir, old.DataFile))
	}
	return nil
}

// restoreMeta puts back the record of an object after a failed change: old,
// or no record if old is nil. It does what it can; on failure the next
// start finds the new record and no data file, and reports the object.
func (d *disk) restoreMeta(bucketName, key string, old *objectMeta) {
	if old != nil {
		_ = d.saveMeta(bucketName, old)
		return
	}
	dir := d.objectsDir(bucketName)
	_ = os.Remove(filepath.Join(dir, keyHash(key)+".json"))
	_ = syncDir(dir)
}

// dataPath returns the path of an object's data file.
func (d *disk) dataPath(bucketName string, m *objectMeta) string {
	return filepath.Join(d.objectsDir(bucketName), m.DataFile)
}

func (d *disk) saveMeta(bucketName string, m *objectMeta) error {
	return writeJSONAtomic(d.objectsDir(bucketName), keyHash(m.Key)+".json", m)
}

// removeObject deletes an object: its data file becomes .del-, then the
// record goes, then the file.
func (d *disk) removeObject(bucketName string, m *objectMeta) error {
	dir := d.objectsDir(bucketName)
	data := filepath.Join(dir, m.DataFile)
	trash := filepath.Join(dir, delPrefix+m.DataFile)
	if err := os.Rename(data, trash); err == nil {
		if err := syncDir(dir); err != nil {
			return err
		}
		data = trash
	}
	// If the rename failed (on Windows, while someone reads the file), the
	// data file outlives its record should the removal below fail too, and
	// the next start moves it to the quarantine.
	if err := os.Remove(filepath.Join(dir, keyHash(m.Key)+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		if data == trash {
			_ = os.Rename(trash, filepath.Join(dir, m.DataFile))
		}
		return fmt.Errorf("osstest: delete object: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	_ = os.Remove(data)
	return nil
}

// writeJSONAtomic replaces dir/name with the JSON encoding of v.
func writeJSONAtomic(dir, name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("osstest: encode %s: %w", name, err)
	}
	return writeFileAtomic(dir, name, raw)
}

// writeFileAtomic replaces dir/name with data, durably.
func writeFileAtomic(dir, name string, data []byte) error {
	if err := durable.WriteFile(filepath.Join(dir, name), data, tmpPrefix+"*"); err != nil {
		return fmt.Errorf("osstest: write %s: %w", name, err)
	}
	return nil
}
