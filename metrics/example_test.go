package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/metrics"
	"github.com/ossappend/ossappend/osstest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A writer's figures at /metrics. An application registers the Collector
// with prometheus.MustRegister and serves promhttp.Handler(); the example
// uses a registry and a test server of its own.
func Example() {
	srv := osstest.NewServer()
	defer srv.Close()
	srv.CreateBucket("app-logs")

	m := metrics.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	web := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer web.Close()

	w, err := ossappend.NewWriter(context.Background(), srv.Client(), "app-logs", "worker/app.log.zst",
		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)),
		ossappend.WithObserver(m))
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintln(w, "job done")
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}

	res, err := http.Get(web.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		for _, name := range []string{"ossappend_accepted_bytes_total", "ossappend_stored_bytes_total", "ossappend_pending_bytes", "ossappend_oldest_pending_age_seconds"} {
			if strings.HasPrefix(lines.Text(), name+"{") {
				fmt.Println(lines.Text())
			}
		}
	}
	// Output:
	// ossappend_accepted_bytes_total{bucket="app-logs",codec="zstd",key="worker/app.log.zst"} 9
	// ossappend_oldest_pending_age_seconds{bucket="app-logs",codec="zstd",key="worker/app.log.zst"} 0
	// ossappend_pending_bytes{bucket="app-logs",codec="zstd",key="worker/app.log.zst"} 0
	// ossappend_stored_bytes_total{bucket="app-logs",codec="zstd",key="worker/app.log.zst"} 9
}
