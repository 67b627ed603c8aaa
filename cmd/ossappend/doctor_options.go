package main

import (
	"slices"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// The values OSS takes for the create options.
var (
	storageClasses = []string{"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"}
	objectACLs     = []string{"default", "private", "public-read", "public-read-write"}
	sseAlgorithms  = []string{"AES256", "KMS", "SM4"}
)

// createOptions are the create-time parameters of the flags, as the
// library's WithObjectOptions takes them.
func (d *doctorCmd) createOptions() (oss.AppendObjectRequest, error) {
	var req oss.AppendObjectRequest
	if d.StorageClass != "" {
		if !slices.Contains(storageClasses, d.StorageClass) {
			return req, usagef("--storage-class %q: want %s", d.StorageClass, strings.Join(storageClasses, ", "))
		}
		req.StorageClass = oss.StorageClassType(d.StorageClass)
	}
	if d.ACL != "" {
		if !slices.Contains(objectACLs, d.ACL) {
			return req, usagef("--acl %q: want %s", d.ACL, strings.Join(objectACLs, ", "))
		}
		req.Acl = oss.ObjectACLType(d.ACL)
	}
	if d.SSE != "" {
		if !slices.Contains(sseAlgorithms, d.SSE) {
			return req, usagef("--sse %q: want %s", d.SSE, strings.Join(sseAlgorithms, ", "))
		}
		req.ServerSideEncryption = oss.Ptr(d.SSE)
	}
	if d.SSEKeyID != "" {
		if d.SSE != "KMS" {
			return req, usagef("--sse-key-id needs --sse KMS")
		}
		req.ServerSideEncryptionKeyId = oss.Ptr(d.SSEKeyID)
	}
	if d.Tagging != "" {
		req.Tagging = oss.Ptr(d.Tagging)
	}
	return req, nil
}

// describeCreate names the create options of req, for the report.
func describeCreate(req *oss.AppendObjectRequest) string {
	var parts []string
	if req.StorageClass != "" {
		parts = append(parts, "storage class "+string(req.StorageClass))
	}
	if req.Acl != "" {
		parts = append(parts, "ACL "+string(req.Acl))
	}
	if req.ServerSideEncryption != nil {
		s := "encryption " + *req.ServerSideEncryption
		if req.ServerSideEncryptionKeyId != nil {
			s += " with key " + *req.ServerSideEncryptionKeyId
		}
		parts = append(parts, s)
	}
	if req.Tagging != nil {
		parts = append(parts, "tags "+*req.Tagging)
	}
	if len(parts) == 0 {
		return "the bucket's defaults"
	}
	return strings.Join(parts, ", ")
}
