// Package ossread reads back what package ossappend writes: appendable
// OSS objects, whole or as they grow.
//
// A Follower reads one object as tail -f reads a file: it returns the
// object's bytes, then waits for more, polling OSS with HeadObject and
// fetching new bytes with ranged GetObject requests. Wrap it in
// compress.NewReader to decode a compressed object frame by frame as each
// is stored.
//
// Errors wrap the sentinels of package ossappend where they apply
// (ossappend.ErrNoSuchBucket, ErrAccessDenied, ErrNotAppendable,
// ErrInvalidArgument, ErrRetriesExhausted) and this package's own
// (ErrNoSuchKey, ErrObjectReplaced, ErrClosed).
package ossread
