package osstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A BucketConfig is the part of a bucket's configuration that decides how
// OSS treats the objects written to it, as (*Server).ConfigureBucket sets
// it. GetBucketInfo, GetBucketVersioning and GetBucketWorm report it.
type BucketConfig struct {
	// StorageClass is the bucket's storage class, the class of an object
	// whose upload names none: "Standard" (the default), "IA", "Archive",
	// "ColdArchive" or "DeepColdArchive". An Archive object must be restored
	// before it is read; an append that would create a ColdArchive or
	// DeepColdArchive object is refused, as OSS refuses it.
	StorageClass string
	// Versioning is the bucket's versioning state: "" (never enabled),
	// "Enabled" or "Suspended". It is reported only: the server keeps one
	// version of each object whatever it is.
	Versioning string
	// SSEAlgorithm is the bucket's default server-side encryption: "",
	// "AES256", "KMS" or "SM4"; KMSKeyID is the KMS key of "KMS", if the
	// bucket names one. Reported only.
	SSEAlgorithm, KMSKeyID string
	// RetentionDays is the retention period, in days, of the bucket's
	// retention policy (WORM); 0 means none. Reported only.
	RetentionDays int
}

// ConfigureBucket sets the configuration of the bucket name, which must
// exist.
func (s *Server) ConfigureBucket(name string, cfg BucketConfig) error {
	if cfg.StorageClass == "" {
		cfg.StorageClass = "Standard"
	}
	if !validStorageClass[cfg.StorageClass] {
		return fmt.Errorf("osstest: configure bucket %q: invalid storage class %q", name, cfg.StorageClass)
	}
	if cfg.Versioning != "" && cfg.Versioning != "Enabled" && cfg.Versioning != "Suspended" {
		return fmt.Errorf("osstest: configure bucket %q: invalid versioning state %q", name, cfg.Versioning)
	}
	if cfg.SSEAlgorithm != "" && !validSSE[cfg.SSEAlgorithm] {
		return fmt.Errorf("osstest: configure bucket %q: invalid encryption %q", name, cfg.SSEAlgorithm)
	}
	err := s.store.updateBucket(name, func(m *bucketMeta) {
		m.StorageClass, m.Versioning = cfg.StorageClass, cfg.Versioning
		m.SSEAlgorithm, m.KMSKeyID = cfg.SSEAlgorithm, cfg.KMSKeyID
		if cfg.RetentionDays != m.WormDays {
			m.WormCreated = s.clock.now().UTC().Truncate(time.Second)
		}
		m.WormDays = cfg.RetentionDays
	})
	if err != nil {
		return fmt.Errorf("osstest: configure bucket %q: %w", name, err)
	}
	return nil
}

// createMeta builds the metadata of a new object of a bucket from the
// headers of the request that creates it: the bucket's storage class is the
// object's unless the request names another.
func (s *Server) createMeta(h http.Header, bucketName, key string) (objectMeta, error) {
	m, err := createMeta(h, key)
	if err != nil || h.Get("x-oss-storage-class") != "" {
		return m, err
	}
	if b, _, _, _, err := s.store.bucketInfo(bucketName); err == nil && b.StorageClass != "" {
		m.StorageClass = b.StorageClass
	}
	return m, nil
}

var errNoWorm = newError(http.StatusNotFound, "NoSuchWORMConfiguration", "The WORM Configuration does not exist.", "")

// getBucketWorm answers the bucket's retention policy, or 404 if it has
// none.
func (s *Server) getBucketWorm(c *call) error {
	m, _, _, _, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	if m.WormDays == 0 {
		return errNoWorm.with("BucketName", c.rt.bucket)
	}
	return s.writeXML(c, struct {
		XMLName  xml.Name `xml:"WormConfiguration"`
		WormID   string   `xml:"WormId"`
		State    string   `xml:"State"`
		Days     string   `xml:"RetentionPeriodInDays"`
		Creation string   `xml:"CreationDate"`
	}{WormID: "osstest-worm-" + c.rt.bucket, State: "Locked", Days: strconv.Itoa(m.WormDays), Creation: m.WormCreated.UTC().Format(isoTime)})
}
