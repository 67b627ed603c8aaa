// Package ossread reads back what package ossappend writes: appendable
// OSS objects and the series they form, whole or as they grow.
//
// A writer rotates to a new key when an object is full or was taken by
// another writer (logs/app.log, logs/app.1.log, logs/app.2.log, ...), so
// its output is a series: the chain of its key, or every object under a
// prefix. A Reader reads a series as one stream, in the order it was
// written:
//
//	r, err := ossread.NewReader(ctx, client, "my-bucket", "logs/app.log.zst", ossread.WithDecode())
//	// or "logs/dt=2026-11-30/" for every object under the prefix,
//	// ossread.Only() for the object alone,
//	// ossread.WithFollow() to keep reading as tail -F does.
//
// With WithFollow it polls the newest object with HeadObject, fetches new
// bytes with ranged GetObject requests, and moves on to the next object of
// the series once one appears, reading every byte once.
//
// A Follower reads one appendable object as tail -f reads a file. Wrap it
// in compress.NewReader to decode a compressed object frame by frame as
// each is stored.
//
// Errors begin with "ossread: " and wrap the sentinels of package ossappend
// where they apply (ossappend.ErrNoSuchBucket, ErrAccessDenied,
// ErrNotAppendable, ErrInvalidArgument, ErrRetriesExhausted) and this
// package's own (ErrNoSuchKey, ErrObjectReplaced, ErrClosed).
package ossread
