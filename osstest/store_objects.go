package osstest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// objectBody is an object's bytes as a reader gets them: a window on its
// data in memory, or its open data file.
type objectBody interface {
	io.ReaderAt
	io.Closer
}

type memBody struct{ *bytes.Reader }

func (memBody) Close() error { return nil }

// statObject returns a copy of an object's metadata.
func (st *store) statObject(bucketName, key string) (objectMeta, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	o, err := st.objectLocked(bucketName, key)
	if err != nil {
		return objectMeta{}, err
	}
	return o.meta.clone(), nil
}

// openObject returns a copy of an object's metadata and its bytes, whose
// first Size bytes stay as they are whatever happens to the object after.
// The caller closes the body.
func (st *store) openObject(bucketName, key string) (objectMeta, objectBody, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	o, err := st.objectLocked(bucketName, key)
	if err != nil {
		return objectMeta{}, nil, err
	}
	if st.persist == nil {
		return o.meta.clone(), memBody{bytes.NewReader(o.data[:o.meta.Size:o.meta.Size])}, nil
	}
	f, err := os.Open(st.persist.dataPath(bucketName, &o.meta))
	if err != nil {
		return objectMeta{}, nil, fmt.Errorf("osstest: open %s/%s: %w", bucketName, key, err)
	}
	return o.meta.clone(), f, nil
}

// objectLocked returns an object; the caller holds st.mu.
func (st *store) objectLocked(bucketName, key string) (*object, error) {
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, errNoSuchKey.with("Key", key)
	}
	return o, nil
}

// stagingPath returns where to stage the new bytes of an object of a
// bucket: "" (in memory) without a directory.
func (st *store) stagingPath(bucketName, key string) (string, error) {
	if err := st.hasBucket(bucketName); err != nil {
		return "", err
	}
	if st.persist == nil {
		return "", nil
	}
	return st.persist.stagingPath(bucketName, key), nil
}

// putObject stores a whole object, whose bytes are b, replacing any object
// of that key (an appendable one included, which so becomes Normal). It
// discards b if it fails.
func (st *store) putObject(bucketName string, m objectMeta, b *blob, forbidOverwrite bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	bk, err := st.bucketLocked(bucketName)
	if err != nil {
		b.discard()
		return err
	}
	old := bk.objects[m.Key]
	if old != nil && forbidOverwrite {
		b.discard()
		return errFileAlreadyExists
	}
	m.LastModified = st.now()
	m.Checkpoints = nil
	if old != nil {
		m.created = old.meta.created
	} else {
		m.created = time.Now()
	}
	if st.persist == nil {
		bk.objects[m.Key] = &object{meta: m, data: b.data}
		return nil
	}
	var oldMeta *objectMeta
	if old != nil {
		oldMeta = &old.meta
	}
	if err := st.persist.putData(bucketName, &m, b, oldMeta); err != nil {
		b.discard()
		return err
	}
	bk.objects[m.Key] = &object{meta: m}
	return nil
}

// appendObject appends the body of an append at pos: at most maxSize-pos
// bytes, checked against contentMD5 if it is not empty. create gives the
// metadata of the object (or the error in the headers that describe it)
// when this append creates it; it is not called otherwise, so the headers
// of later appends are ignored as OSS ignores them, but for acl, which, if
// it is not empty, becomes the ACL of an object that exists.
//
// Appends to one object take turns (see keyLocks). Each checks the
// position first, streams its body into place (past the object's length,
// where no reader looks) without the store's lock, then publishes the new
// length under it.
func (st *store) appendObject(ctx context.Context, bucketName, key string, pos int64, body io.Reader, contentMD5 string,
	maxSize int64, create func() (objectMeta, error), acl string) (objectMeta, error) {
	unlock, err := st.appends.lock(ctx, bucketName+"/"+key)
	if err != nil {
		return objectMeta{}, fmt.Errorf("%w: %w", errBodyRead, err)
	}
	defer unlock()

	st.mu.RLock()
	o, err := st.appendTarget(bucketName, key, pos, create)
	// The data file is named by the object's record, which a seal or an
	// ACL change replaces under the lock: read it under the lock too.
	var dataPath string
	if err == nil && o != nil && st.persist != nil {
		dataPath = st.persist.dataPath(bucketName, &o.meta)
	}
	st.mu.RUnlock()
	if err != nil {
		return objectMeta{}, err
	}
	w, err := st.startAppend(bucketName, key, o, pos, dataPath)
	if err != nil {
		return objectMeta{}, err
	}
	s, err := copySummed(w, body, maxSize-pos, contentMD5 != "", errEntityTooLarge)
	if err == nil {
		err = w.sync()
	}
	if err == nil && contentMD5 != "" && base64.StdEncoding.EncodeToString(s.md5) != contentMD5 {
		err = errInvalidDigest
	}
	if err != nil {
		w.abandon()
		return objectMeta{}, err
	}
	m, err := st.publishAppend(bucketName, key, o, pos, s, w, create, acl)
	if err != nil {
		w.abandon()
		return objectMeta{}, err
	}
	w.close()
	return m, nil
}

// appendTarget returns the object an append at pos goes to, nil if the
// append creates it, or the error that refuses the append. The caller holds
// st.mu.
func (st *store) appendTarget(bucketName, key string, pos int64, create func() (objectMeta, error)) (*object, error) {
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return nil, err
	}
	o := b.objects[key]
	if o == nil {
		if pos != 0 {
			return nil, positionError(0)
		}
		_, err := create()
		return nil, err
	}
	return o, appendable(o, pos)
}

// appendable says why an object takes no append at pos, if it does not.
func appendable(o *object, pos int64) error {
	switch {
	case o.meta.Type != typeAppendable || !o.meta.SealedTime.IsZero():
		return errObjectNotAppendable
	case pos != o.meta.Size:
		return positionError(o.meta.Size)
	}
	return nil
}

// publishAppend makes an append whose bytes are written part of the
// object, if the object is still the one the append was checked against.
func (st *store) publishAppend(bucketName, key string, o *object, pos int64, s sums, w *appendWriter, create func() (objectMeta, error), acl string) (objectMeta, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return objectMeta{}, err
	}
	cur := b.objects[key]
	if cur != o {
		// Replaced or deleted while the body came in.
		if cur == nil {
			return objectMeta{}, positionError(0)
		}
		if err := appendable(cur, pos); err != nil {
			return objectMeta{}, err
		}
		return objectMeta{}, positionError(cur.meta.Size)
	}
	var m objectMeta
	if o == nil {
		if m, err = create(); err != nil {
			return objectMeta{}, err
		}
		m.Key, m.Type = key, typeAppendable
		m.created = time.Now()
	} else {
		if err := appendable(o, pos); err != nil { // sealed meanwhile
			return objectMeta{}, err
		}
		m = o.meta.clone()
		if acl != "" {
			m.ACL = acl
		}
	}
	m.Size = pos + s.n
	m.CRC64 = oss.CRC64Combine(m.CRC64, s.crc, uint64(s.n))
	m.ETag = appendETag(m.CRC64, m.Size)
	m.LastModified = st.now()
	last := int64(0)
	if n := len(m.Checkpoints); n > 0 {
		last = m.Checkpoints[n-1].Size
	}
	if m.Size-last >= checkpointEvery {
		m.Checkpoints = append(m.Checkpoints, checkpoint{Size: m.Size, CRC64: m.CRC64})
	}
	if st.persist == nil {
		var prefix []byte
		if o != nil {
			prefix = o.data[:o.meta.Size]
		}
		b.objects[key] = &object{meta: m, data: append(prefix, w.buf.Bytes()...)}
		return m.clone(), nil
	}
	if o == nil {
		err = st.persist.putData(bucketName, &m, &blob{path: w.path}, nil)
		w.published = err == nil
	} else {
		err = st.persist.saveMeta(bucketName, &m)
	}
	if err != nil {
		return objectMeta{}, err
	}
	b.objects[key] = &object{meta: m}
	return m.clone(), nil
}

// appendWriter is where the body of an append goes: a buffer without a
// directory; with one, the object's data file at the append's position, or
// a new staging file for an append that creates the object.
type appendWriter struct {
	buf       *bytes.Buffer
	f         *os.File
	w         io.Writer
	path      string
	fresh     bool  // path is a staging file of this append
	keep      int64 // the length to cut the data file back to on failure
	published bool  // the staging file was renamed into place
}

// startAppend opens where the body of an append at pos goes: dataPath,
// the data file of o, or, if o is nil, a new staging file.
func (st *store) startAppend(bucketName, key string, o *object, pos int64, dataPath string) (*appendWriter, error) {
	if st.persist == nil {
		buf := &bytes.Buffer{}
		return &appendWriter{buf: buf, w: buf}, nil
	}
	w := &appendWriter{}
	var err error
	if o == nil {
		w.path, w.fresh = st.persist.stagingPath(bucketName, key), true
		w.f, err = os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	} else {
		w.path = dataPath
		w.f, err = os.OpenFile(w.path, os.O_WRONLY, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("osstest: append: %w", err)
	}
	if fi, err := w.f.Stat(); err == nil {
		w.keep = max(pos, fi.Size())
	}
	w.w = io.NewOffsetWriter(w.f, pos)
	return w, nil
}

func (w *appendWriter) Write(p []byte) (int, error) { return w.w.Write(p) }

// sync makes the bytes written durable.
func (w *appendWriter) sync() error {
	if w.f == nil {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("osstest: append: %w", err)
	}
	return nil
}

func (w *appendWriter) close() {
	if w.f != nil {
		_ = w.f.Close()
	}
}

// abandon undoes what an append that failed wrote: the bytes it wrote past
// the object's length (never less than the file held) or its staging file.
func (w *appendWriter) abandon() {
	if w.f == nil {
		return
	}
	if w.fresh {
		_ = w.f.Close()
		if !w.published {
			_ = os.Remove(w.path)
		}
		return
	}
	_ = w.f.Truncate(w.keep)
	_ = w.f.Close()
}

// deleteObject removes an object; deleting a missing object is no error.
func (st *store) deleteObject(bucketName, key string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil
	}
	if st.persist != nil {
		if err := st.persist.removeObject(bucketName, &o.meta); err != nil {
			return err
		}
	}
	delete(b.objects, key)
	return nil
}

// checkMD5 verifies the Content-MD5 header, if any, against sum, the MD5 of
// the body.
func checkMD5(want string, sum []byte) error {
	if want != "" && base64.StdEncoding.EncodeToString(sum) != want {
		return errInvalidDigest
	}
	return nil
}

// md5Of returns the MD5 of data.
func md5Of(data []byte) []byte {
	sum := md5.Sum(data)
	return sum[:]
}
