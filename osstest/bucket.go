package osstest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var (
	validBucketACLs   = map[string]bool{"private": true, "public-read": true, "public-read-write": true}
	validRedundancy   = map[string]bool{"LRS": true, "ZRS": true}
	errInvalidBuckACL = errInvalidArgument.withMessage("The specified bucket ACL is not valid.")
)

func (s *Server) putBucket(c *call) error {
	m := bucketMeta{Name: c.rt.bucket, StorageClass: "Standard", Redundancy: "LRS", ACL: "private"}
	if acl := c.r.Header.Get("x-oss-acl"); acl != "" {
		if !validBucketACLs[acl] {
			return errInvalidBuckACL
		}
		m.ACL = acl
	}
	body, err := readBody(c, 64<<10, errMalformedXML)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		var cfg struct {
			XMLName            xml.Name `xml:"CreateBucketConfiguration"`
			StorageClass       string   `xml:"StorageClass"`
			DataRedundancyType string   `xml:"DataRedundancyType"`
		}
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML
		}
		if cfg.StorageClass != "" {
			if !validStorageClass[cfg.StorageClass] {
				return errInvalidClass
			}
			m.StorageClass = cfg.StorageClass
		}
		if cfg.DataRedundancyType != "" {
			if !validRedundancy[cfg.DataRedundancyType] {
				return errInvalidArgument.withMessage("The data redundancy type you specified is not valid.")
			}
			m.Redundancy = cfg.DataRedundancyType
		}
	}
	if err := s.store.createBucket(m); err != nil {
		return err
	}
	c.w.Header().Set("Location", "/"+c.rt.bucket)
	writeEmpty(c, http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(c *call) error {
	if err := s.store.deleteBucket(c.rt.bucket); err != nil {
		return err
	}
	writeEmpty(c, http.StatusNoContent)
	return nil
}

func (s *Server) headBucket(c *call) error {
	if err := s.store.hasBucket(c.rt.bucket); err != nil {
		return err
	}
	writeEmpty(c, http.StatusOK)
	return nil
}

// location is the region as OSS names it in bucket listings: oss-REGION.
func (s *Server) location() string { return "oss-" + s.opts.region }

func (s *Server) getBucketInfo(c *call) error {
	m, _, _, _, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	type bucketInfo struct {
		Name                   string `xml:"Name"`
		AccessMonitor          string `xml:"AccessMonitor"`
		Location               string `xml:"Location"`
		CreationDate           string `xml:"CreationDate"`
		ExtranetEndpoint       string `xml:"ExtranetEndpoint"`
		IntranetEndpoint       string `xml:"IntranetEndpoint"`
		ACL                    string `xml:"AccessControlList>Grant"`
		DataRedundancyType     string `xml:"DataRedundancyType"`
		Owner                  owner  `xml:"Owner"`
		StorageClass           string `xml:"StorageClass"`
		ResourceGroupID        string `xml:"ResourceGroupId"`
		SSEAlgorithm           string `xml:"ServerSideEncryptionRule>SSEAlgorithm"`
		KMSMasterKeyID         string `xml:"ServerSideEncryptionRule>KMSMasterKeyID,omitempty"`
		Versioning             string `xml:"Versioning,omitempty"`
		TransferAcceleration   string `xml:"TransferAcceleration"`
		CrossRegionReplication string `xml:"CrossRegionReplication"`
		LogBucket              string `xml:"BucketPolicy>LogBucket"`
		LogPrefix              string `xml:"BucketPolicy>LogPrefix"`
		BlockPublicAccess      bool   `xml:"BlockPublicAccess"`
	}
	return s.writeXML(c, struct {
		XMLName xml.Name   `xml:"BucketInfo"`
		Bucket  bucketInfo `xml:"Bucket"`
	}{Bucket: bucketInfo{
		Name:                   m.Name,
		AccessMonitor:          "Disabled",
		Location:               s.location(),
		CreationDate:           m.Created.UTC().Format(isoTime),
		ExtranetEndpoint:       s.bucketEndpoint(),
		IntranetEndpoint:       s.bucketEndpoint(),
		ACL:                    m.ACL,
		DataRedundancyType:     m.Redundancy,
		Owner:                  theOwner,
		StorageClass:           m.StorageClass,
		ResourceGroupID:        "rg-osstest-default",
		SSEAlgorithm:           sseOrNone(m.SSEAlgorithm),
		KMSMasterKeyID:         m.KMSKeyID,
		Versioning:             m.Versioning,
		TransferAcceleration:   "Disabled",
		CrossRegionReplication: "Disabled",
		BlockPublicAccess:      true,
	}})
}

func (s *Server) getBucketLocation(c *call) error {
	if err := s.store.hasBucket(c.rt.bucket); err != nil {
		return err
	}
	return s.writeXML(c, struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	}{Location: s.location()})
}

func (s *Server) getBucketStat(c *call) error {
	m, objects, size, uploads, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	lastModified := m.Created
	if list, err := s.store.listObjects(c.rt.bucket); err == nil {
		for _, o := range list {
			if o.LastModified.After(lastModified) {
				lastModified = o.LastModified
			}
		}
	}
	return s.writeXML(c, struct {
		XMLName              xml.Name `xml:"BucketStat"`
		Storage              int64    `xml:"Storage"`
		ObjectCount          int64    `xml:"ObjectCount"`
		MultipartUploadCount int64    `xml:"MultipartUploadCount"`
		LiveChannelCount     int64    `xml:"LiveChannelCount"`
		LastModifiedTime     int64    `xml:"LastModifiedTime"`
		StandardStorage      int64    `xml:"StandardStorage"`
		StandardObjectCount  int64    `xml:"StandardObjectCount"`
	}{
		Storage:              size,
		ObjectCount:          objects,
		MultipartUploadCount: uploads,
		LastModifiedTime:     lastModified.Unix(),
		StandardStorage:      size,
		StandardObjectCount:  objects,
	})
}

func (s *Server) getBucketACL(c *call) error {
	m, _, _, _, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	return s.writeXML(c, accessControlPolicy{Owner: theOwner, Grant: m.ACL})
}

func (s *Server) putBucketACL(c *call) error {
	acl := c.r.Header.Get("x-oss-acl")
	if !validBucketACLs[acl] {
		return errInvalidBuckACL
	}
	if err := s.store.updateBucket(c.rt.bucket, func(m *bucketMeta) { m.ACL = acl }); err != nil {
		return err
	}
	writeEmpty(c, http.StatusOK)
	return nil
}

// sseOrNone is how GetBucketInfo names a bucket's default encryption.
func sseOrNone(sse string) string {
	if sse == "" {
		return "None"
	}
	return sse
}

// getBucketVersioning answers the versioning state of ConfigureBucket,
// none by default. This server keeps one version of each object, the
// "null" version, whatever the state.
func (s *Server) getBucketVersioning(c *call) error {
	m, _, _, _, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	return s.writeXML(c, struct {
		XMLName xml.Name `xml:"VersioningConfiguration"`
		Status  string   `xml:"Status,omitempty"`
	}{Status: m.Versioning})
}

func (s *Server) getBucketTags(c *call) error {
	m, _, _, _, err := s.store.bucketInfo(c.rt.bucket)
	if err != nil {
		return err
	}
	return s.writeXML(c, encodeTags(m.Tagging))
}

func (s *Server) putBucketTags(c *call) error {
	encoded, err := readTagging(c)
	if err != nil {
		return err
	}
	if err := s.store.updateBucket(c.rt.bucket, func(m *bucketMeta) { m.Tagging = encoded }); err != nil {
		return err
	}
	writeEmpty(c, http.StatusOK)
	return nil
}

// deleteBucketTags removes all of a bucket's tags, or, with tagging=k1,k2,
// only those keys.
func (s *Server) deleteBucketTags(c *call) error {
	only := c.query.Get("tagging")
	err := s.store.updateBucket(c.rt.bucket, func(m *bucketMeta) {
		if only == "" {
			m.Tagging = ""
			return
		}
		v, _ := url.ParseQuery(m.Tagging)
		for _, k := range strings.Split(only, ",") {
			v.Del(k)
		}
		m.Tagging = v.Encode()
	})
	if err != nil {
		return err
	}
	writeEmpty(c, http.StatusNoContent)
	return nil
}

// bucketTime is how a bucket's CreationDate appears in listings.
func bucketTime(t time.Time) string { return t.UTC().Format(isoTime) }
