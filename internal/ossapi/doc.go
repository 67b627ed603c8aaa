// Package ossapi is the OSS plumbing that the writer (package ossappend)
// and the readers (package ossread) share: the client methods each needs,
// one reading of HeadObject's answer, one classification of failed
// requests, one way to tell answers that do not come from OSS (NotOSS),
// one backoff, and the checks of bucket names and object keys.
//
// Nothing here keeps state between calls but a Backoff; every function is
// safe for concurrent use.
package ossapi
