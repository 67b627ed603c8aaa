package ossappend

import (
	"errors"
	"fmt"

	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/internal/spool"
)

// Sentinel errors. The writer wraps them with the bucket, key, position and
// cause, so callers branch with errors.Is and read the detail in the text,
// which names the package once, at its start ("ossappend: ...").
var (
	// ErrClosed is returned by Write, ReadFrom, Flush and Sync after Close
	// or Shutdown has begun.
	ErrClosed = errors.New("writer is closed")

	// ErrInvalidArgument wraps every problem NewWriter finds in its
	// arguments and options before it talks to the network.
	ErrInvalidArgument = ossapi.ErrInvalidArgument

	// ErrNotAppendable means the key holds an object that cannot be
	// appended to: a Normal object (made by PutObject or a multipart
	// upload), a symlink, or a sealed appendable object.
	ErrNotAppendable = ossapi.ErrNotAppendable

	// ErrConflict means the object no longer holds what this writer
	// appended: another writer appended to it, replaced or deleted it. The
	// writer then moves to a fresh key (see WithRotateKey) and reports the
	// conflict to the error handler, or, with WithFailOnConflict, stops.
	ErrConflict = errors.New("object changed by another writer")

	// ErrNoSuchBucket means the bucket does not exist.
	ErrNoSuchBucket = ossapi.ErrNoSuchBucket

	// ErrAccessDenied means OSS refused the credentials or their
	// permissions (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied).
	ErrAccessDenied = ossapi.ErrAccessDenied

	// ErrDropped is returned by Write in non-blocking mode (see
	// WithNonBlocking) for bytes that found no free buffer; they are counted
	// in Stats.DroppedBytes and reported to the error handler.
	ErrDropped = errors.New("buffers full, bytes dropped")

	// ErrSealNotSupported is what the error handler hears, once, when OSS
	// will not seal objects for a writer made WithSealOnClose: most
	// accounts have no seal (400 OperationNotSupported, "SealAppendable is
	// not supported"), and credentials may lack the oss:SealAppendObject
	// action (403). The writer stores everything as before, seals no more
	// objects, and Close succeeds.
	ErrSealNotSupported = errors.New("OSS does not seal objects for this writer")

	// ErrArchived means an object cannot be read until it is restored: its
	// storage class is Archive, Cold Archive or Deep Cold Archive (403
	// InvalidObjectState). A writer resuming a chain moves past such an
	// object when it cannot tell its codec otherwise, and reconciliation
	// cannot read one back (see ErrConflict).
	ErrArchived = ossapi.ErrArchived

	// ErrNotOSS means the endpoint answered as something other than OSS
	// would (a web server's page, an answer with none of OSS's headers):
	// the endpoint or the network in between is wrong. It is not retried.
	ErrNotOSS = ossapi.ErrNotOSS

	// ErrRetriesExhausted means the retry policy gave up on a frame; it
	// wraps the last failure.
	ErrRetriesExhausted = ossapi.ErrRetriesExhausted

	// ErrSpoolFull means the disk (or a quota, or a file size limit) has no
	// room for the spool's next frame (see WithSpool). It stops the writer;
	// what Write accepted before stays in the spool, for the next writer on
	// it.
	ErrSpoolFull = spool.ErrFull

	// ErrSpoolBusy means another writer, in this process or another, holds
	// the spool directory; the error names the directory and the key the
	// spool belongs to.
	ErrSpoolBusy = spool.ErrBusy

	// ErrSpoolDamaged is what the error handler hears of a file of the
	// spool that failed its checksums: it was set aside in the spool's
	// quarantine folder, and none of its bytes that fail them is sent.
	ErrSpoolDamaged = spool.ErrDamaged
)

// The errors Write returns as they are, made once: a Write after Close, or
// one that found no buffer, costs no allocation.
var (
	errClosed  = fmt.Errorf("ossappend: %w", ErrClosed)
	errDropped = fmt.Errorf("ossappend: %w", ErrDropped)
)

// report passes err to the error handler's goroutine without waiting: a
// report that finds the queue full is dropped. It is called by the filling
// side with mu held, or by the append loop, before Close closes the queue.
func (w *Writer) report(err error) {
	if w.notes == nil {
		return
	}
	select {
	case w.notes <- err:
	default:
	}
}

// notify runs the error handler, one report at a time.
func (w *Writer) notify() error {
	for err := range w.notes {
		w.cfg.onError(err)
	}
	return nil
}

// alsoWraps is an error whose text is err's and which wraps cause too,
// for an error that describes its cause in its own words.
type alsoWraps struct{ err, cause error }

func (a alsoWraps) Error() string   { return a.err.Error() }
func (a alsoWraps) Unwrap() []error { return []error{a.err, a.cause} }
