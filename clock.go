package ossappend

import "time"

// A Clock tells a writer the time and wakes it later: when a frame has
// waited FlushInterval, and when the period of a key layout ends. The
// writer's is the system clock unless WithClock gives another, which lets
// a test move time on without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless
	// the Timer it returns is stopped first, as time.AfterFunc does.
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is a call to come that a Clock's AfterFunc made. *time.Timer is
// one.
type Timer interface {
	// Stop prevents the call, if it has not happened yet, and says so.
	Stop() bool
	// Reset makes the call happen once d has passed from now, and says
	// whether it was still to come.
	Reset(d time.Duration) bool
}

// systemClock is the Clock of a writer made without WithClock.
type systemClock struct{}

func (systemClock) Now() time.Time                            { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
