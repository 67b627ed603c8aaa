package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// stdinGrace is how long pipe keeps reading standard input after SIGINT or
// SIGTERM: a producer interrupted with it (Ctrl-C reaches the whole
// pipeline) leaves its last output in the pipe. It is counted from the
// signal, so input that never stops cannot prolong it.
const stdinGrace = 250 * time.Millisecond

// errSecondSignal is why pipe gives up on what it has not stored yet.
var errSecondSignal = errors.New("gave up at the second signal")

// stopSignals is how SIGINT and SIGTERM stop pipe. The first stops the
// reading of standard input stdinGrace later and gives the storing of what
// was read drainTimeout more; the second gives up at once.
type stopSignals struct {
	// signaled is closed at the first signal.
	signaled chan struct{}
	// stopRead is closed stdinGrace after the first signal, or at the
	// second.
	stopRead chan struct{}
	// drain ends when pipe must give up on what it has not stored: at the
	// second signal, or drainTimeout after stopRead. Its cause says which.
	drain context.Context

	sigs     chan os.Signal
	done     chan struct{}
	giveUp   context.CancelCauseFunc
	readOnce sync.Once
	mu       sync.Mutex
	timers   []*time.Timer
}

// watchSignals starts watching for SIGINT and SIGTERM; stop ends the watch.
func watchSignals(drainTimeout time.Duration) *stopSignals {
	s := &stopSignals{signaled: make(chan struct{}), stopRead: make(chan struct{}), sigs: make(chan os.Signal, 2), done: make(chan struct{})}
	s.drain, s.giveUp = context.WithCancelCause(context.Background())
	signal.Notify(s.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for n := 0; n < 2; n++ {
			select {
			case <-s.sigs:
			case <-s.done:
				return
			}
			if n > 0 {
				s.stopReading()
				s.giveUp(errSecondSignal)
				return
			}
			close(s.signaled)
			s.mu.Lock()
			s.timers = append(s.timers,
				time.AfterFunc(stdinGrace, s.stopReading),
				time.AfterFunc(stdinGrace+drainTimeout, func() {
					s.giveUp(fmt.Errorf("gave up after --drain-timeout %v", drainTimeout))
				}))
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *stopSignals) stopReading() { s.readOnce.Do(func() { close(s.stopRead) }) }

// stop ends the watch: signals take their default action again.
func (s *stopSignals) stop() {
	signal.Stop(s.sigs)
	close(s.done)
	s.mu.Lock()
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
}

// quietBrokenPipe makes a write to a reader that left early (head, say)
// fail with EPIPE, an error the command reports or ends quietly on,
// instead of SIGPIPE killing the process.
func quietBrokenPipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
