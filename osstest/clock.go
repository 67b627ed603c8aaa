package osstest

import (
	"sync/atomic"
	"time"
)

// clock is the server's clock: the machine's, moved by an offset that
// SetClockOffset changes while the server runs.
type clock struct{ offset atomic.Int64 }

// now returns the server's time.
func (c *clock) now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// SetClockOffset moves the server's clock d away from the machine's
// (ahead if d is positive, behind if negative), at once and for every
// request that follows, as a clock step of the client's machine (NTP, a
// suspended VM) looks from the server: the signing times of requests are
// held to the moved clock, so that a request signed with the machine's
// clock is refused with 403 RequestTimeTooSkewed once |d| passes 15
// minutes. The Date header of every answer, which the SDK reads to correct
// its signing clock, and the times the server records (Last-Modified,
// sealing and restore times) follow the moved clock too. SetClockOffset(0)
// puts the clock back.
func (s *Server) SetClockOffset(d time.Duration) {
	s.clock.offset.Store(int64(d))
}

// ClockOffset returns how far SetClockOffset moved the server's clock.
func (s *Server) ClockOffset() time.Duration {
	return time.Duration(s.clock.offset.Load())
}
