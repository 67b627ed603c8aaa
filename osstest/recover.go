package osstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// The names the server gives the files of an object and of a part.
var (
	recordName = regexp.MustCompile(`^([0-9a-f]{64})\.json$`)
	dataName   = regexp.MustCompile(`^([0-9a-f]{64})-[0-9a-f]+\.data$`)
	partName   = regexp.MustCompile(`^[0-9A-F]{32}-[0-9]+-[0-9a-f]+\.part$`)
)

// load reads the buckets and objects under d.dir, finishing or undoing what
// a crash cut short and moving damaged files aside (see disk).
func (d *disk) load() (map[string]*bucket, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("osstest: read data directory: %w", err)
	}
	buckets := map[string]*bucket{}
	for _, e := range entries {
		if !e.IsDir() || !validBucketName(e.Name()) {
			continue
		}
		b, err := d.loadBucket(e.Name())
		if err != nil {
			return nil, err
		}
		if b != nil {
			buckets[b.meta.Name] = b
		}
	}
	return buckets, nil
}

// loadBucket loads the bucket of a directory, or returns nil if the
// directory holds no bucket record.
func (d *disk) loadBucket(name string) (*bucket, error) {
	path := filepath.Join(d.bucketDir(name), bucketFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("osstest: load bucket %s: %w", name, err)
	}
	b := &bucket{objects: map[string]*object{}, uploads: map[string]*upload{}}
	problem := ""
	if err := json.Unmarshal(raw, &b.meta); err != nil {
		problem = "cannot be read: " + err.Error()
	} else if b.meta.Name != name {
		problem = fmt.Sprintf("names bucket %q", b.meta.Name)
	}
	if problem != "" {
		if err := d.rebuildBucket(b, path, raw, problem); err != nil {
			return nil, err
		}
	}
	if err := d.loadObjects(b); err != nil {
		return nil, err
	}
	// A bucket record being replaced when the server stopped: the old one
	// stands.
	if tmps, err := filepath.Glob(filepath.Join(d.bucketDir(name), tmpPrefix+"*")); err == nil {
		for _, p := range tmps {
			_ = os.Remove(p)
		}
	}
	// Uploads in progress do not outlive the server: their parts are its
	// own leftovers.
	if parts, err := os.ReadDir(d.uploadsDir(name)); err == nil {
		for _, p := range parts {
			if !p.IsDir() && partName.MatchString(p.Name()) {
				_ = os.Remove(filepath.Join(d.uploadsDir(name), p.Name()))
			}
		}
	}
	return b, nil
}

// rebuildBucket replaces a bucket record that cannot be used by one with
// the default settings, keeping the old one in the quarantine.
func (d *disk) rebuildBucket(b *bucket, path string, raw []byte, problem string) error {
	name := filepath.Base(filepath.Dir(path))
	b.meta = bucketMeta{Name: name, StorageClass: "Standard", Redundancy: "LRS", ACL: "private"}
	if fi, err := os.Stat(path); err == nil {
		b.meta.Created = fi.ModTime().UTC().Truncate(1e9)
	}
	q, err := d.newQuarantine(name, "bucket")
	if err == nil {
		err = writeFileAtomic(q, bucketFile, raw)
	}
	if err != nil {
		d.warn(fmt.Sprintf("the record of bucket %s %s, and it cannot be kept aside (%v): not starting", name, problem, err))
		return fmt.Errorf("osstest: load bucket %s: its record %s", name, problem)
	}
	if err := d.saveBucket(b.meta); err != nil {
		return err
	}
	d.warn(fmt.Sprintf("the record of bucket %s %s; the bucket keeps its objects with default settings, the old record is in %s", name, problem, q))
	return nil
}

// keyFiles are the files of one key hash in a bucket's objects directory,
// by name; staged and deleted are named without their prefix.
type keyFiles struct {
	record                bool
	data, staged, deleted map[string]bool
}

func (d *disk) loadObjects(b *bucket) error {
	dir := d.objectsDir(b.meta.Name)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("osstest: load bucket %s: %w", b.meta.Name, err)
	}
	byHash := map[string]*keyFiles{}
	files := func(h string) *keyFiles {
		kf := byHash[h]
		if kf == nil {
			kf = &keyFiles{data: map[string]bool{}, staged: map[string]bool{}, deleted: map[string]bool{}}
			byHash[h] = kf
		}
		return kf
	}
	var tmps []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		if m := recordName.FindStringSubmatch(n); m != nil {
			files(m[1]).record = true
		} else if m := dataName.FindStringSubmatch(n); m != nil {
			files(m[1]).data[n] = true
		} else if s, ok := strings.CutPrefix(n, newPrefix); ok && dataName.MatchString(s) {
			files(s[:64]).staged[s] = true
		} else if s, ok := strings.CutPrefix(n, delPrefix); ok && dataName.MatchString(s) {
			files(s[:64]).deleted[s] = true
		} else if strings.HasPrefix(n, tmpPrefix) {
			tmps = append(tmps, n)
		}
	}
	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if err := d.loadKey(b, dir, h, byHash[h]); err != nil {
			return err
		}
	}
	// A record being replaced when the server stopped: the rename never
	// happened, the old record stands.
	for _, n := range tmps {
		_ = os.Remove(filepath.Join(dir, n))
	}
	return nil
}

// loadKey loads the object of one key hash, if it has one, and deals with
// the files of that hash the object does not use.
func (d *disk) loadKey(b *bucket, dir, h string, kf *keyFiles) error {
	var o *object
	if kf.record {
		var err error
		if o, err = d.loadRecord(b.meta.Name, dir, h, kf); err != nil {
			return err
		}
		if o != nil {
			b.objects[o.meta.Key] = o
		}
	}
	var orphans []string
	for n := range kf.data {
		if o != nil {
			_ = os.Remove(filepath.Join(dir, n)) // replaced by the object its record names
		} else {
			orphans = append(orphans, n)
		}
	}
	for n := range kf.staged {
		_ = os.Remove(filepath.Join(dir, newPrefix+n)) // never acknowledged
	}
	for n := range kf.deleted {
		_ = os.Remove(filepath.Join(dir, delPrefix+n)) // deleted
	}
	if len(orphans) > 0 {
		sort.Strings(orphans)
		what := "data file " + strings.Join(orphans, ", ") + " of bucket " + b.meta.Name + ", which no record names,"
		d.moveAside(b.meta.Name, h, dir, orphans, what+" was kept aside", what+" could not be kept aside")
	}
	return nil
}

// loadRecord reads and checks the record of a key hash and its data. It
// returns the object to serve, or nil if there is none; it removes from kf
// the files it used or moved aside.
func (d *disk) loadRecord(bucketName, dir, h string, kf *keyFiles) (*object, error) {
	recFile := h + ".json"
	raw, err := os.ReadFile(filepath.Join(dir, recFile))
	if err != nil {
		return nil, fmt.Errorf("osstest: load bucket %s: %w", bucketName, err)
	}
	var m objectMeta
	problem := ""
	if err := json.Unmarshal(raw, &m); err != nil {
		problem = "its record cannot be read: " + err.Error()
	} else if keyHash(m.Key) != h {
		problem = "its record names another key"
	} else if !dataName.MatchString(m.DataFile) || !strings.HasPrefix(m.DataFile, h+"-") || m.Size < 0 {
		problem = "its record is not valid"
	}
	label := "object with key hash " + h + " in bucket " + bucketName
	if problem == "" {
		label = "object " + bucketName + "/" + m.Key
	}
	if problem == "" {
		switch name := m.DataFile; {
		case kf.data[name]:
			delete(kf.data, name)
		case kf.staged[name] && d.rename(dir, newPrefix+name, name):
			delete(kf.staged, name) // a write the record acknowledges: finish it
		case kf.deleted[name] && d.rename(dir, delPrefix+name, name):
			delete(kf.deleted, name) // a delete that did not happen: undo it
		default:
			problem = "its data file " + name + " is missing"
		}
	}
	if problem != "" {
		d.quarantineKey(bucketName, dir, h, recFile, kf, label, problem)
		return nil, nil
	}
	good, goodCRC, problem, err := verifyData(filepath.Join(dir, m.DataFile), &m)
	if err != nil {
		return nil, fmt.Errorf("osstest: load %s: %w", label, err)
	}
	if problem == "" {
		return &object{meta: m}, nil
	}
	if m.Type == typeAppendable && good > 0 {
		if o, done := d.restorePrefix(bucketName, dir, h, raw, &m, good, goodCRC, label, problem); done {
			return o, nil
		}
	}
	kf.data[m.DataFile] = true
	d.quarantineKey(bucketName, dir, h, recFile, kf, label, problem)
	return nil, nil
}

// rename renames dir/from to dir/to durably and reports whether it did.
func (d *disk) rename(dir, from, to string) bool {
	return os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)) == nil && syncDir(dir) == nil
}

// verifyData checks the data file of m against the CRC-64 of its record
// and its checkpoints. If they do not all match it describes the problem
// and returns the longest prefix that verifies: its length and CRC-64. err
// is for the file that cannot be read at all.
func verifyData(path string, m *objectMeta) (good int64, goodCRC uint64, problem string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, "", err
	}
	points := make([]checkpoint, 0, len(m.Checkpoints)+1)
	for _, p := range m.Checkpoints {
		if p.Size > 0 && p.Size < m.Size && (len(points) == 0 || p.Size > points[len(points)-1].Size) {
			points = append(points, p)
		}
	}
	points = append(points, checkpoint{Size: m.Size, CRC64: m.CRC64})
	crc := oss.NewCRC64(0)
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	for _, p := range points {
		if p.Size > fi.Size() {
			return good, goodCRC, fmt.Sprintf("its data file holds %d bytes, its record %d", fi.Size(), m.Size), nil
		}
		if _, err := io.CopyBuffer(crc, io.NewSectionReader(f, good, p.Size-good), *buf); err != nil {
			return good, goodCRC, "its data file cannot be read: " + err.Error(), nil
		}
		if crc.Sum64() != p.CRC64 {
			return good, goodCRC, fmt.Sprintf("its bytes %d to %d do not match their CRC-64", good, p.Size), nil
		}
		good, goodCRC = p.Size, p.CRC64
	}
	return good, goodCRC, "", nil
}

// restorePrefix makes a damaged appendable object the first good bytes of
// it, which verify, and moves the damaged data file to the quarantine with
// a copy of the old record. It returns the object to serve, if any, and
// whether it moved the data file; if it did not, nothing changed.
func (d *disk) restorePrefix(bucketName, dir, h string, raw []byte, m *objectMeta, good int64, goodCRC uint64, label, problem string) (*object, bool) {
	kept := m.clone()
	kept.Size, kept.CRC64, kept.ETag = good, goodCRC, appendETag(goodCRC, good)
	kept.Checkpoints = nil
	for _, p := range m.Checkpoints {
		if p.Size < good {
			kept.Checkpoints = append(kept.Checkpoints, p)
		}
	}
	src, err := os.Open(filepath.Join(dir, m.DataFile))
	if err != nil {
		return nil, false
	}
	b, err := stage(io.NewSectionReader(src, 0, good), d.stagingPath(bucketName, m.Key), good, false, errEntityTooLarge)
	src.Close()
	if err != nil {
		return nil, false
	}
	if b.crc != goodCRC { // the file changed under us: leave it all to the quarantine
		b.discard()
		return nil, false
	}
	q, err := d.newQuarantine(bucketName, h)
	if err != nil {
		b.discard()
		return nil, false
	}
	err = writeFileAtomic(q, h+".json", raw)
	if err == nil {
		err = moveFile(filepath.Join(dir, m.DataFile), filepath.Join(q, m.DataFile))
	}
	if err != nil {
		b.discard()
		_ = os.RemoveAll(q) // holds at most the copy of the record
		return nil, false
	}
	msg := fmt.Sprintf("%s is damaged (%s); kept its first %d of %d bytes, which verify; the damaged files are in %s",
		label, problem, good, m.Size, q)
	_ = writeFileAtomic(q, "reason.txt", []byte(msg+"\n"))
	if err := d.putData(bucketName, &kept, b, nil); err != nil {
		// The damaged data is in the quarantine; the record still names it
		// and the next start reports the object again.
		d.warn(fmt.Sprintf("%s is damaged (%s) and could not be restored (%v); it is not served, its data file is in %s", label, problem, err, q))
		return nil, true
	}
	d.warn(msg)
	return &object{meta: kept}, true
}

// quarantineKey moves the record and every data file of a key hash to the
// quarantine, or leaves them where they are if it cannot, and says so.
func (d *disk) quarantineKey(bucketName, dir, h, recFile string, kf *keyFiles, label, problem string) {
	names := []string{recFile}
	for n := range kf.data {
		names = append(names, n)
	}
	for n := range kf.staged {
		names = append(names, newPrefix+n)
	}
	for n := range kf.deleted {
		names = append(names, delPrefix+n)
	}
	sort.Strings(names)
	kf.data, kf.staged, kf.deleted = map[string]bool{}, map[string]bool{}, map[string]bool{}
	what := label + " is damaged (" + problem + ") and is not served;"
	d.moveAside(bucketName, h, dir, names, what+" its files are kept", what+" its files could not be kept aside")
}

// moveAside moves the named files of dir to a new quarantine folder and
// warns with done (plus where) or, if it cannot, with failed (plus why);
// the files stay where they are then.
func (d *disk) moveAside(bucketName, what, dir string, names []string, done, failed string) {
	q, err := d.newQuarantine(bucketName, what)
	moved := 0
	for _, n := range names {
		if err != nil {
			break
		}
		if err = moveFile(filepath.Join(dir, n), filepath.Join(q, n)); err == nil {
			moved++
		}
	}
	if err != nil && moved == 0 {
		if q != "" {
			_ = os.Remove(q)
		}
		d.warn(fmt.Sprintf("%s (%v)", failed, err))
		return
	}
	msg := done + " in " + q
	if err != nil {
		msg += fmt.Sprintf(", some in %s still (%v)", dir, err)
	}
	_ = writeFileAtomic(q, "reason.txt", []byte(msg+"\n"))
	d.warn(msg)
}

// newQuarantine makes a new folder of the quarantine for something of a
// bucket, named after the time, the bucket and what (a key hash, shortened).
func (d *disk) newQuarantine(bucketName, what string) (string, error) {
	root := filepath.Join(d.dir, quarantineDir)
	if err := os.MkdirAll(root, dirPerm); err != nil {
		return "", fmt.Errorf("osstest: quarantine: %w", err)
	}
	if len(what) > 16 {
		what = what[:16]
	}
	base := fmt.Sprintf("%s-%s-%s", time.Now().UTC().Format("20060102T150405Z"), bucketName, what)
	for i := 1; ; i++ {
		q := filepath.Join(root, base)
		if i > 1 {
			q = fmt.Sprintf("%s-%d", q, i)
		}
		err := os.Mkdir(q, dirPerm)
		if err == nil {
			return q, syncDir(root)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("osstest: quarantine: %w", err)
		}
	}
}

// moveFile renames a file durably.
func moveFile(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(to)); err != nil {
		return err
	}
	return syncDir(filepath.Dir(from))
}
