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
// A Follower reads one appendable object as tail -f reads a file.
//
// # Decoding
//
// With WithDecode, a Reader or a Follower decodes each object by the codec
// its writer recorded with it when it created it (x-oss-meta-ossappend-codec,
// see Follower.Codec), frame by frame as each is stored: an object written
// without a codec reads as stored, even an archive whose bytes begin as a
// gzip member does (a .tgz). Only an object without the record, written by
// another tool, is decoded by its first bytes, as compress.NewReader
// decodes whatever it is given.
//
// # How OSS answers
//
// The readers do not take OSS's answers on trust, and say what they found:
//
//   - Ranges. Every ranged GetObject asks for x-oss-range-behavior:
//     standard, without which OSS answers a range that does not lie within
//     the object with 200 and the whole object. Bytes are read only from a
//     206 answer whose Content-Range begins where asked; a 416, or a range
//     cut short, means the object shrank (ErrObjectReplaced), and any other
//     answer, such as 200 with the whole object, is an error that says so,
//     not repeated.
//   - Archived objects. An object of the Archive, Cold Archive or Deep
//     Cold Archive storage class answers GetObject with 403
//     InvalidObjectState until it is restored. Read returns an error
//     wrapping ErrArchived that names the object, its class and whether a
//     restore is under way, and says to restore it (RestoreObject). It is
//     reported when reading reaches the object, not when the reader is
//     made: the class alone does not tell, as a bucket may serve Archive
//     objects as they are. A Reader does not skip the object, which would
//     lose its bytes without a word: Key and Offset name it, so that a
//     Reader made WithStartAt(Key(), Offset()) once it is restored reads
//     on from it.
//   - Seals. Most accounts cannot seal objects, so a series is mostly
//     unsealed; readers never wait for a seal. A Reader following a series
//     takes an object as complete once a newer object of the series exists,
//     sealed or not. A Follower alone returns io.EOF only at the end of a
//     sealed object, and otherwise follows until it is closed.
//   - Endpoints that are not OSS. A web server, a proxy or another storage
//     service at the endpoint answers 404 for any key or 200 with a page
//     for anything. Every answer of OSS carries x-oss-request-id; an answer
//     without any x-oss- header, or with a body that is not XML where OSS
//     sends XML, is reported as an error wrapping ErrNotOSS, not taken for
//     a missing object (which WithWaitForObject would wait for), an empty
//     series or an object of some length.
//
// # Errors
//
// Errors begin with "ossread: " and name the object or series, and wrap the
// sentinels of package ossappend where they apply (ossappend.ErrNoSuchBucket,
// ErrAccessDenied, ErrNotAppendable, ErrInvalidArgument, ErrRetriesExhausted)
// and this package's own (ErrNoSuchKey, ErrObjectReplaced, ErrClosed,
// ErrArchived, ErrNotOSS).
package ossread
