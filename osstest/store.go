package osstest

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Object types as OSS names them in x-oss-object-type and listings.
const (
	typeNormal     = "Normal"
	typeAppendable = "Appendable"
	typeMultipart  = "Multipart"
)

// objectMeta is everything known about an object except its bytes. It is
// also the on-disk metadata record, hence the JSON tags.
type objectMeta struct {
	Key                string            `json:"key"`
	Type               string            `json:"type"`
	Size               int64             `json:"size"`
	CRC64              uint64            `json:"crc64"`
	ETag               string            `json:"etag"`
	ContentMD5         string            `json:"contentMD5,omitempty"`
	LastModified       time.Time         `json:"lastModified"`
	ContentType        string            `json:"contentType,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	Expires            string            `json:"expires,omitempty"`
	UserMeta           map[string]string `json:"userMeta,omitempty"`
	ACL                string            `json:"acl,omitempty"`
	StorageClass       string            `json:"storageClass,omitempty"`
	Tagging            string            `json:"tagging,omitempty"`
	SSE                string            `json:"sse,omitempty"`
	SSEDataEncryption  string            `json:"sseDataEncryption,omitempty"`
	SSEKeyID           string            `json:"sseKeyId,omitempty"`
	SealedTime         time.Time         `json:"sealedTime,omitzero"`
	DataFile           string            `json:"dataFile,omitempty"`
	Checkpoints        []checkpoint      `json:"checkpoints,omitempty"`
	RestoreStarted     time.Time         `json:"restoreStarted,omitzero"`
	RestoreExpires     time.Time         `json:"restoreExpires,omitzero"`

	// created is when the object was created, by the machine's clock, for
	// WithListingDelay; it is not kept on disk, and an object read from
	// disk counts as listed.
	created time.Time
}

// A checkpoint is a length an appendable object once had and its CRC-64
// then. When a data file is damaged, the longest prefix whose checkpoint
// verifies is what an appendable object keeps.
type checkpoint struct {
	Size  int64  `json:"size"`
	CRC64 uint64 `json:"crc64"`
}

// checkpointEvery is how far apart, at least, an appendable object's
// checkpoints are: an append that takes the object this far past its last
// checkpoint records a new one. A 5 GiB object has at most 320.
var checkpointEvery int64 = 16 << 20

// clone returns a deep copy of m.
func (m objectMeta) clone() objectMeta {
	m.UserMeta = maps.Clone(m.UserMeta)
	m.Checkpoints = slices.Clone(m.Checkpoints)
	return m
}

// object is an object of the store. Its bytes are in data without a
// directory, and in the data file its metadata names with one. The bytes
// below Size never change once published: an append writes past them, and
// a PutObject replaces the whole object with new bytes, so a reader may
// keep data[:Size], or read the data file's first Size bytes, after the
// lock is released.
type object struct {
	meta objectMeta
	data []byte
}

// bucketMeta describes a bucket; it is also the on-disk bucket record.
type bucketMeta struct {
	Name         string    `json:"name"`
	Created      time.Time `json:"created"`
	StorageClass string    `json:"storageClass"`
	Redundancy   string    `json:"redundancy"`
	ACL          string    `json:"acl"`
	Tagging      string    `json:"tagging,omitempty"`
	Versioning   string    `json:"versioning,omitempty"`
	SSEAlgorithm string    `json:"sseAlgorithm,omitempty"`
	KMSKeyID     string    `json:"kmsKeyId,omitempty"`
	WormDays     int       `json:"wormDays,omitempty"`
	WormCreated  time.Time `json:"wormCreated,omitzero"`
}

type bucket struct {
	meta    bucketMeta
	objects map[string]*object
	uploads map[string]*upload
}

// store holds the buckets and objects, in memory and, when persist is set,
// on disk. A single mutex serialises changes; a change is on disk (when
// persisting) before it becomes visible in memory and before it is answered.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	persist *disk
	appends keyLocks
	now     func() time.Time
}

func newStore(d *disk, loaded map[string]*bucket) *store {
	if loaded == nil {
		loaded = map[string]*bucket{}
	}
	return &store{buckets: loaded, persist: d, now: func() time.Time { return time.Now().UTC().Truncate(time.Second) }}
}

// close releases the store's directory, if it has one.
func (st *store) close() {
	if st.persist != nil {
		_ = st.persist.close()
	}
}

// bucketLocked returns a bucket; the caller holds st.mu.
func (st *store) bucketLocked(name string) (*bucket, error) {
	b, ok := st.buckets[name]
	if !ok {
		return nil, errNoSuchBucket.with("BucketName", name)
	}
	return b, nil
}

// hasBucket reports NoSuchBucket if the bucket does not exist.
func (st *store) hasBucket(name string) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	_, err := st.bucketLocked(name)
	return err
}

func (st *store) createBucket(m bucketMeta) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.buckets[m.Name]; ok {
		return errBucketAlreadyExists.with("BucketName", m.Name)
	}
	if m.Created.IsZero() {
		m.Created = st.now()
	}
	if st.persist != nil {
		if err := st.persist.saveBucket(m); err != nil {
			return err
		}
	}
	st.buckets[m.Name] = &bucket{meta: m, objects: map[string]*object{}, uploads: map[string]*upload{}}
	return nil
}

func (st *store) deleteBucket(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(name)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 || len(b.uploads) > 0 {
		return errBucketNotEmpty.with("BucketName", name)
	}
	if st.persist != nil {
		if err := st.persist.removeBucket(name); err != nil {
			return err
		}
	}
	delete(st.buckets, name)
	return nil
}

// bucketInfo returns a copy of a bucket's metadata with its object count
// and total size.
func (st *store) bucketInfo(name string) (m bucketMeta, objects, size, uploads int64, err error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, err := st.bucketLocked(name)
	if err != nil {
		return m, 0, 0, 0, err
	}
	for _, o := range b.objects {
		size += o.meta.Size
	}
	return b.meta, int64(len(b.objects)), size, int64(len(b.uploads)), nil
}

// updateBucket applies fn to a bucket's metadata and persists the result.
func (st *store) updateBucket(name string, fn func(*bucketMeta)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(name)
	if err != nil {
		return err
	}
	m := b.meta
	fn(&m)
	if st.persist != nil {
		if err := st.persist.saveBucket(m); err != nil {
			return err
		}
	}
	b.meta = m
	return nil
}

// listBuckets returns the bucket records sorted by name.
func (st *store) listBuckets() []bucketMeta {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]bucketMeta, 0, len(st.buckets))
	for _, b := range st.buckets {
		out = append(out, b.meta)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// listObjects returns the metadata of a bucket's objects sorted by key.
func (st *store) listObjects(name string) ([]objectMeta, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, err := st.bucketLocked(name)
	if err != nil {
		return nil, err
	}
	out := make([]objectMeta, 0, len(b.objects))
	for _, o := range b.objects {
		out = append(out, o.meta)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// positionError is the 409 answered when an append or a seal names a
// position other than the object's length, which it reports in a header.
func positionError(length int64) *ossError {
	return errPositionNotEqual.withHeader("x-oss-next-append-position", strconv.FormatInt(length, 10))
}

// sealObject seals an appendable object whose length is pos.
func (st *store) sealObject(bucketName, key string, pos int64) (objectMeta, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return objectMeta{}, err
	}
	o := b.objects[key]
	switch {
	case o == nil:
		return objectMeta{}, errNoSuchKey.with("Key", key)
	case o.meta.Type != typeAppendable:
		return objectMeta{}, errObjectNotAppendable
	case pos != o.meta.Size:
		return objectMeta{}, positionError(o.meta.Size)
	case !o.meta.SealedTime.IsZero():
		return o.meta.clone(), nil
	}
	m := o.meta.clone()
	m.SealedTime = st.now()
	if st.persist != nil {
		if err := st.persist.saveMeta(bucketName, &m); err != nil {
			return objectMeta{}, err
		}
	}
	o.meta = m
	return m.clone(), nil
}

// updateObject applies fn to an object's metadata and persists the result.
func (st *store) updateObject(bucketName, key string, fn func(*objectMeta)) error {
	return st.updateObjectIf(bucketName, key, func(m *objectMeta) error { fn(m); return nil })
}

// updateObjectIf applies fn to an object's metadata and persists the
// result, unless fn fails.
func (st *store) updateObjectIf(bucketName, key string, fn func(*objectMeta) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return err
	}
	o, ok := b.objects[key]
	if !ok {
		return errNoSuchKey.with("Key", key)
	}
	m := o.meta.clone()
	if err := fn(&m); err != nil {
		return err
	}
	if st.persist != nil {
		if err := st.persist.saveMeta(bucketName, &m); err != nil {
			return err
		}
	}
	o.meta = m
	return nil
}

// objectHeaders sets the response headers that describe an object, as OSS
// sets them on GetObject and HeadObject.
func objectHeaders(h http.Header, m *objectMeta) {
	h.Set("Content-Type", m.ContentType)
	h.Set("ETag", `"`+m.ETag+`"`)
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-object-type", m.Type)
	h.Set("x-oss-storage-class", m.StorageClass)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	if m.Type == typeAppendable {
		h.Set("x-oss-next-append-position", strconv.FormatInt(m.Size, 10))
	}
	if !m.SealedTime.IsZero() {
		h.Set("x-oss-sealed-time", m.SealedTime.UTC().Format(http.TimeFormat))
	}
	if m.ContentMD5 != "" {
		h.Set("Content-MD5", m.ContentMD5)
	}
	for k, v := range map[string]string{
		"Cache-Control":       m.CacheControl,
		"Content-Disposition": m.ContentDisposition,
		"Content-Encoding":    m.ContentEncoding,
		"Expires":             m.Expires,
	} {
		if v != "" {
			h.Set(k, v)
		}
	}
	for k, v := range m.UserMeta {
		h.Set("x-oss-meta-"+k, v)
	}
	if n := tagCount(m.Tagging); n > 0 {
		h.Set("x-oss-tagging-count", strconv.Itoa(n))
	}
	sseHeaders(h, m)
}

// sseHeaders sets the server-side encryption headers of an object.
func sseHeaders(h http.Header, m *objectMeta) {
	if m.SSE != "" {
		h.Set("x-oss-server-side-encryption", m.SSE)
	}
	if m.SSEDataEncryption != "" {
		h.Set("x-oss-server-side-data-encryption", m.SSEDataEncryption)
	}
	if m.SSEKeyID != "" {
		h.Set("x-oss-server-side-encryption-key-id", m.SSEKeyID)
	}
}
