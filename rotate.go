package ossappend

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is how the append loop leaves an object: it rotates to a fresh
// key when the object is full or no longer its own, and seals an object it
// is done with when asked to.

// maxRotateProbes bounds the existing keys rotate steps over before it
// gives up: a rotation function that keeps naming taken keys is a bug, not
// a reason to send HeadObject forever.
const maxRotateProbes = 10000

// maxRotation is the highest rotation number a writer uses. NewWriter
// checks that the rotate function names a valid key for it, so that no
// rotation fails for the length of its key.
const maxRotation = 1<<31 - 1

// conflict handles an object that is no longer the writer's: it moves to a
// fresh key and reports the conflict, or, with WithFailOnConflict, returns
// the error that stops the writer. why says what was found; cause is the
// failed request's error, if one told.
func (a *appender) conflict(why string, cause error) error {
	w := a.w
	w.requests.conflicts.Add(1)
	old, pos := a.key, a.pos
	if w.cfg.failOnConflict {
		return conflictError(w.bucket, old, pos, why, "", cause)
	}
	if err := a.rotate(false); err != nil {
		return err
	}
	w.report(conflictError(w.bucket, old, pos, why, a.key, cause))
	return nil
}

// conflictError describes a conflict on bucket/key at pos, and the key the
// writer moved to, if it did.
func conflictError(bucket, key string, pos int64, why, moved string, cause error) error {
	next := ""
	if moved != "" {
		next = fmt.Sprintf("; the writer goes on in %s/%s", bucket, moved)
	}
	err := fmt.Errorf("ossappend: %s/%s at %d: %w: %s%s", bucket, key, pos, ErrConflict, why, next)
	if cause != nil {
		err = alsoWraps{err, cause}
	}
	return err
}

// rotate moves to the first key of the rotation sequence after the current
// one that does not exist yet. With seal, it seals the object it leaves if
// WithSealOnClose asked for it: a writer leaving a full object does; it
// never seals an object another writer has touched.
func (a *appender) rotate(seal bool) error {
	w := a.w
	if seal && w.cfg.sealOnClose {
		if err := a.seal(); err != nil {
			w.report(err) // the data is stored; only the seal is missing
		}
	}
	r := a.newRetrier()
	tried := map[string]bool{a.base: true, a.key: true}
	for n, probes := a.rotation+1, 0; ; {
		key := w.cfg.rotateKey(a.base, n)
		switch err := ossapi.CheckKey(key); {
		case err != nil:
			return fmt.Errorf("ossappend: rotate to key number %d: %w", n, err)
		case tried[key]:
			return fmt.Errorf("ossappend: rotate: %w: the rotate function named %q twice (number %d)", ErrInvalidArgument, key, n)
		case probes == maxRotateProbes || n > maxRotation:
			return fmt.Errorf("ossappend: rotate: the %d keys after %q all exist", probes, a.key)
		case w.ctx.Err() != nil:
			return fmt.Errorf("ossappend: rotate: %w", w.ctx.Err())
		}
		obj, err := w.head(w.ctx, key, ossapi.NoSDKRetry)
		if err != nil {
			if err := r.failed(err, "head", key, 0); err != nil {
				return err
			}
			continue
		}
		if obj.Exists {
			tried[key] = true
			n++
			probes++
			continue
		}
		a.key, a.rotation, a.pos, a.crc, a.crcKnown, a.full = key, n, 0, 0, true, false
		w.key.Store(&key)
		w.requests.rotations.Add(1)
		return nil
	}
}

// roll moves the append loop to the chain of base, the key of a new
// period: it seals the object it leaves if asked to, and goes on where
// NewWriter would (see originOf), moving past an object it cannot append
// to. Failed requests are retried by the retry policy.
func (a *appender) roll(base string) error {
	w := a.w
	if w.cfg.sealOnClose {
		if err := a.seal(); err != nil {
			w.report(err) // the data is stored; only the seal is missing
		}
	}
	r := a.newRetrier()
	for {
		at, err := w.originOf(w.ctx, base, ossapi.NoSDKRetry)
		var refused refusal
		if errors.As(err, &refused) {
			w.report(fmt.Errorf("ossappend: %w; the writer goes on in %s/%s", refused.err, w.bucket, at.key))
			err = nil
		}
		if err == nil {
			a.moveTo(base, at)
			w.requests.rolls.Add(1)
			return nil
		}
		if err := r.failed(err, "roll to", base, 0); err != nil {
			return err
		}
	}
}

// seal seals the current object, if it has any bytes and is not sealed
// already. If OSS will not seal for this writer (see ErrSealNotSupported),
// it says so once to the error handler and seals nothing more: the data is
// stored, and that is what matters.
func (a *appender) seal() error {
	w := a.w
	if a.pos == 0 || a.full || a.noSeal {
		return nil
	}
	s := w.client.(ossapi.SealClient) // NewWriter checked
	r := a.newRetrier()
	for {
		pos := a.pos
		err := w.request(w.ctx, "SealAppendObject", a.key, 0, func() error {
			req := &oss.SealAppendObjectRequest{Bucket: &w.bucket, Key: &a.key, Position: &pos}
			w.date(&req.RequestCommon)
			_, err := s.SealAppendObject(w.ctx, req, ossapi.NoSDKRetry)
			return err
		})
		if err == nil {
			return nil
		}
		if ossapi.SealRefused(err) {
			a.noSeal = true
			w.report(fmt.Errorf("ossappend: seal %s/%s: %w: %w; the writer goes on, storing everything, and seals no more objects",
				w.bucket, a.key, ErrSealNotSupported, ossapi.Describe(err)))
			return nil
		}
		if se := ossapi.ServiceError(err); se != nil && se.StatusCode == http.StatusConflict {
			// Another writer appended or sealed: retrying cannot help.
			return fmt.Errorf("ossappend: seal %s/%s at %d: %w: %w", w.bucket, a.key, pos, ErrConflict, ossapi.Describe(err))
		}
		if err := r.failed(err, "seal", a.key, pos); err != nil {
			return err
		}
	}
}
