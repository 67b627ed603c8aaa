package ossread

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/ossappend/ossappend/internal/ossapi"
)

// stepError is the failure of one request of a reader.
type stepError struct {
	op        string // "head", "get bytes=0-99", ...
	err       error
	transient bool // repeating the request may help
}

func (s *stepError) Error() string { return s.op + ": " + s.err.Error() }
func (s *stepError) Unwrap() error { return s.err }

// settle turns the failure of one step of a reader into its sticky error,
// made by final (ErrClosed once closed is set), or into nil after waiting out the backoff b if the failure
// may pass. A transient failure after progress (read) is retried at once.
func settle(ctx context.Context, closed *atomic.Bool, b *ossapi.Backoff, err error, read bool, final func(error) error) error {
	if closed.Load() {
		return errClosed
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return final(ctxErr)
	}
	var step *stepError
	if !errors.As(err, &step) || !step.transient {
		return final(err)
	}
	if read {
		return nil
	}
	delay, gaveUp := b.Next(step.err)
	if gaveUp != nil {
		return final(fmt.Errorf("%s: %w", step.op, gaveUp))
	}
	if err := ossapi.Sleep(ctx, delay); err != nil {
		return settle(ctx, closed, b, err, false, final)
	}
	return nil
}
