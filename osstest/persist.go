package osstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// disk persists the store under a directory:
//
//	DIR/<bucket>/bucket.json             the bucket record
//	DIR/<bucket>/objects/<h>.json        an object's metadata (h: SHA-256 of the key)
//	DIR/<bucket>/objects/<h>-<gen>.data  its bytes, named by the metadata
//
// Every change is fsynced before it is answered. Metadata files are
// replaced atomically (write a temporary file, fsync, rename, fsync the
// directory), and a metadata record only ever names data that is already
// durable: an append writes and fsyncs the data file first and the new
// length second. On load a data file longer than its recorded length, the
// trace of an append cut short by a crash, is truncated to that length, so
// a torn append is never visible.
type disk struct {
	dir string
	gen atomic.Uint64
	log *slog.Logger
}

const (
	bucketFile = "bucket.json"
	objectsDir = "objects"
)

func (d *disk) bucketDir(name string) string  { return filepath.Join(d.dir, name) }
func (d *disk) objectsDir(name string) string { return filepath.Join(d.dir, name, objectsDir) }

// keyHash names an object's files after its key, which may hold any byte.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// openDisk opens (creating it if needed) the directory dir and loads the
// buckets and objects stored there.
func openDisk(dir string, log *slog.Logger) (*disk, map[string]*bucket, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("osstest: create data directory: %w", err)
	}
	d := &disk{dir: dir, log: log}
	d.gen.Store(uint64(time.Now().UnixNano()))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("osstest: read data directory: %w", err)
	}
	buckets := map[string]*bucket{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := d.loadBucket(e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue // Not a bucket directory.
		}
		if err != nil {
			return nil, nil, err
		}
		buckets[b.meta.Name] = b
	}
	return d, buckets, nil
}

func (d *disk) loadBucket(name string) (*bucket, error) {
	raw, err := os.ReadFile(filepath.Join(d.bucketDir(name), bucketFile))
	if err != nil {
		return nil, err
	}
	b := &bucket{objects: map[string]*object{}, uploads: map[string]*upload{}}
	if err := json.Unmarshal(raw, &b.meta); err != nil {
		return nil, fmt.Errorf("osstest: load bucket %q: %w", name, err)
	}
	if b.meta.Name != name {
		return nil, fmt.Errorf("osstest: load bucket %q: record names bucket %q", name, b.meta.Name)
	}
	dir := d.objectsDir(name)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("osstest: load bucket %q: %w", name, err)
	}
	used := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		o, err := d.loadObject(dir, e.Name())
		if err != nil {
			// A damaged record is reported and skipped rather than served.
			d.log.Warn("osstest: skipping damaged object", "bucket", name, "file", e.Name(), "error", err)
			continue
		}
		used[o.meta.DataFile] = true
		b.objects[o.meta.Key] = o
	}
	// Remove what a crash may have left: temporary files and data files no
	// record names (a PutObject cut short, or the old data of a finished one).
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasPrefix(n, ".tmp-") || strings.HasSuffix(n, ".data") && !used[n]) {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
	return b, nil
}

func (d *disk) loadObject(dir, file string) (*object, error) {
	raw, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	var m objectMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if keyHash(m.Key)+".json" != file || m.DataFile == "" || filepath.Base(m.DataFile) != m.DataFile {
		return nil, errors.New("metadata does not match its file name")
	}
	f, err := os.OpenFile(filepath.Join(dir, m.DataFile), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case fi.Size() < m.Size:
		return nil, fmt.Errorf("data file holds %d bytes, record says %d", fi.Size(), m.Size)
	case fi.Size() > m.Size:
		// The tail of an append that was never acknowledged.
		if err := f.Truncate(m.Size); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	data := make([]byte, m.Size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	crc := oss.NewCRC64(0)
	_, _ = crc.Write(data)
	if crc.Sum64() != m.CRC64 {
		return nil, errors.New("data does not match its recorded CRC-64")
	}
	return &object{meta: m, data: data}, nil
}

// saveBucket writes a bucket record, creating the bucket's directories.
func (d *disk) saveBucket(m bucketMeta) error {
	if err := os.MkdirAll(d.objectsDir(m.Name), 0o755); err != nil {
		return fmt.Errorf("osstest: save bucket: %w", err)
	}
	if err := syncDir(d.dir); err != nil {
		return err
	}
	return writeJSONAtomic(d.bucketDir(m.Name), bucketFile, m)
}

func (d *disk) removeBucket(name string) error {
	// Removing the record first leaves, after a crash, a directory that is
	// no bucket and is ignored on load.
	if err := os.Remove(filepath.Join(d.bucketDir(name), bucketFile)); err != nil {
		return fmt.Errorf("osstest: remove bucket: %w", err)
	}
	if err := os.RemoveAll(d.bucketDir(name)); err != nil {
		return fmt.Errorf("osstest: remove bucket: %w", err)
	}
	return syncDir(d.dir)
}

// newDataFile names a fresh data file for a key.
func (d *disk) newDataFile(key string) string {
	return fmt.Sprintf("%s-%x.data", keyHash(key), d.gen.Add(1))
}

// writeObject stores a whole object in a new data file, then points the
// record at it, then removes the data file of the object it replaced.
func (d *disk) writeObject(bucketName string, m *objectMeta, data []byte, old *objectMeta) error {
	dir := d.objectsDir(bucketName)
	m.DataFile = d.newDataFile(m.Key)
	if err := writeFileSync(filepath.Join(dir, m.DataFile), data); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := d.saveMeta(bucketName, m); err != nil {
		_ = os.Remove(filepath.Join(dir, m.DataFile))
		return err
	}
	if old != nil && old.DataFile != "" && old.DataFile != m.DataFile {
		_ = os.Remove(filepath.Join(dir, old.DataFile))
	}
	return nil
}

// appendData writes data at pos in the object's data file (a new one when
// the append creates the object) and fsyncs it, then records the new length.
func (d *disk) appendData(bucketName string, m *objectMeta, pos int64, data []byte) error {
	dir := d.objectsDir(bucketName)
	if m.DataFile == "" {
		m.DataFile = d.newDataFile(m.Key)
	}
	f, err := os.OpenFile(filepath.Join(dir, m.DataFile), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("osstest: append: %w", err)
	}
	_, werr := f.WriteAt(data, pos)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("osstest: append: %w", werr)
	}
	if pos == 0 {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return d.saveMeta(bucketName, m)
}

func (d *disk) saveMeta(bucketName string, m *objectMeta) error {
	return writeJSONAtomic(d.objectsDir(bucketName), keyHash(m.Key)+".json", m)
}

func (d *disk) removeObject(bucketName string, m *objectMeta) error {
	dir := d.objectsDir(bucketName)
	if err := os.Remove(filepath.Join(dir, keyHash(m.Key)+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("osstest: delete object: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(dir, m.DataFile))
	return nil
}

// writeJSONAtomic replaces dir/name with the JSON encoding of v.
func writeJSONAtomic(dir, name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("osstest: encode %s: %w", name, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return fmt.Errorf("osstest: write %s: %w", name, err)
	}
	tmp := f.Name()
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("osstest: write %s: %w", name, err)
	}
	return syncDir(dir)
}

// writeFileSync creates path holding data and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("osstest: write object: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("osstest: write object: %w", err)
	}
	return nil
}

// syncDir fsyncs a directory so that the names it holds are durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("osstest: sync directory: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("osstest: sync directory: %w", err)
	}
	return nil
}
