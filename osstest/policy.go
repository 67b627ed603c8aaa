package osstest

import "net/http"

// limitedKey is an access key pair that may do only some actions.
type limitedKey struct {
	secret  string
	actions map[string]bool
}

// WithLimitedCredentials makes the server accept a second access key pair,
// id and secret, besides the one of WithCredentials, allowed only the
// given RAM actions, as a RAM user whose policy allows those actions and no
// others: "oss:PutObject" (AppendObject, PutObject, CopyObject to the key,
// multipart uploads), "oss:PutObjectTagging" (also needed by an upload that
// sets tags), "oss:GetObject" (GetObject, HeadObject, GetObjectMeta),
// "oss:ListObjects" (ListObjects, ListObjectsV2), "oss:SealAppendObject",
// "oss:DeleteObject", "oss:RestoreObject", "oss:GetBucketInfo",
// "oss:GetBucketVersioning", "oss:GetBucketWorm", and so on: each operation
// needs the action its RAM documentation names, "oss:" and, for most, the
// operation's own name. "oss:*" allows everything. Any other request signed
// with id is refused with 403 AccessDenied, as OSS refuses an action no
// policy allows (EC 0003-00000001, with the action in AccessDeniedDetail),
// before the server looks for the object: HeadObject of a missing key
// without oss:GetObject is 403, not 404. WithLimitedCredentials may be given
// more than once, for more key pairs.
func WithLimitedCredentials(id, secret string, actions ...string) Option {
	return func(o *options) {
		k := limitedKey{secret: secret, actions: map[string]bool{}}
		for _, a := range actions {
			k.actions[a] = true
		}
		if o.limited == nil {
			o.limited = map[string]limitedKey{}
		}
		o.limited[id] = k
	}
}

// secretFor returns the secret of an access key ID the server accepts.
func (s *Server) secretFor(keyID string) (string, bool) {
	if keyID == s.opts.accessKeyID {
		return s.opts.accessKeySecret, true
	}
	k, ok := s.opts.limited[keyID]
	return k.secret, ok
}

// operationActions are the RAM actions of the operations whose action is
// not "oss:" and the operation's name.
var operationActions = map[string]string{
	"AppendObject":            "oss:PutObject",
	"CopyObject":              "oss:PutObject",
	"InitiateMultipartUpload": "oss:PutObject",
	"UploadPart":              "oss:PutObject",
	"UploadPartCopy":          "oss:PutObject",
	"CompleteMultipartUpload": "oss:PutObject",
	"HeadObject":              "oss:GetObject",
	"GetObjectMeta":           "oss:GetObject",
	"ListObjectsV2":           "oss:ListObjects",
	"DeleteMultipleObjects":   "oss:DeleteObject",
	"HeadBucket":              "oss:GetBucketInfo",
	"GetBucketTags":           "oss:GetBucketTagging",
	"PutBucketTags":           "oss:PutBucketTagging",
	"DeleteBucketTags":        "oss:DeleteBucketTagging",
}

// actionsFor returns the RAM actions a request needs.
func actionsFor(op string, h http.Header) []string {
	a, ok := operationActions[op]
	if !ok {
		a = "oss:" + op
	}
	actions := []string{a}
	// An upload that tags what it creates needs the tagging action too.
	if a == "oss:PutObject" && h.Get("x-oss-tagging") != "" {
		actions = append(actions, "oss:PutObjectTagging")
	}
	return actions
}

// errImplicitDeny is OSS's answer to an action that no policy allows.
var errImplicitDeny = newError(http.StatusForbidden, "AccessDenied",
	"You have no right to access this object because of bucket acl.", "0003-00000001")

// authorize refuses a request of keyID that its policy does not allow.
func (s *Server) authorize(keyID string, c *call) error {
	k, ok := s.opts.limited[keyID]
	if !ok || k.actions["oss:*"] {
		return nil
	}
	for _, a := range actionsFor(c.rt.op, c.r.Header) {
		if !k.actions[a] {
			return errImplicitDeny.
				withDetail("AuthAction", a).
				withDetail("NoPermissionType", "ImplicitDeny")
		}
	}
	return nil
}
