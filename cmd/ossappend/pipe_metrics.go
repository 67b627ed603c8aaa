package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ossappend/ossappend/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// shutdownWait is how long pipe, as it exits, waits for scrapes of
// /metrics under way to finish.
const shutdownWait = 5 * time.Second

// metricsServer serves /metrics for pipe --metrics-addr: the figures of
// the writer, which has collector as Observer, and the Go runtime's and
// the process's, from a registry of its own. It serves from before the
// writer opens until pipe exits, and with --metrics-linger for a while
// after the writer closed, so that a last scrape finds its final counts.
type metricsServer struct {
	collector *metrics.Collector
	addr      net.Addr // where it listens
	picked    bool     // the port asked for was 0: the system picked addr's
	srv       *http.Server
	served    chan struct{} // closed when Serve returns

	// Once the writer has closed: a signal ends the linger.
	signals chan os.Signal
}

// listenMetrics starts serving /metrics at addr, HOST:PORT or :PORT, and
// gives warn what goes wrong as it serves, if anything does. A malformed
// address is a usage error; one that cannot be listened on a failure.
func listenMetrics(addr string, warn func(string)) (*metricsServer, error) {
	var n uint64
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		n, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return nil, usagef("--metrics-addr %q: want HOST:PORT or :PORT, such as :9464 or 127.0.0.1:0", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
		}
		return nil, fmt.Errorf("--metrics-addr %s: cannot listen: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	c := metrics.New()
	reg.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	errorLog := log.New(logTo(warn), "", 0)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: errorLog}))
	s := &metricsServer{collector: c, addr: ln.Addr(), picked: n == 0, served: make(chan struct{}),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog}}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// writerClosed notes that the writer has closed: from now on, SIGINT or
// SIGTERM ends the linger.
func (s *metricsServer) writerClosed() {
	if s == nil {
		return
	}
	s.signals = make(chan os.Signal, 1)
	signal.Notify(s.signals, os.Interrupt, syscall.SIGTERM)
}

// close serves on for linger once the writer has closed, or until a
// signal, then stops serving. A nil server does nothing.
func (s *metricsServer) close(linger time.Duration) {
	if s == nil {
		return
	}
	if s.signals != nil {
		defer signal.Stop(s.signals)
		if linger > 0 {
			t := time.NewTimer(linger)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.signals:
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
	<-s.served
}

// logTo is the writer of a log.Logger that gives each of its messages to
// a function, without the newline.
type logTo func(string)

func (f logTo) Write(p []byte) (int, error) {
	f(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
