// Package bench measures ossappend against what users would pick instead:
// the OSS SDK's AppendOnlyFile written directly, AppendOnlyFile behind a
// bufio.Writer or zap's BufferedWriteSyncer, and plain in-memory floors.
//
// Every scenario is a function here, shared by the Go benchmarks (go test
// -bench), the correctness tests (go test) and the command ossbench
// (cmd/ossbench), which runs them all in one process and prints one
// markdown table per scenario:
//
//   - hotpath.go: 128-byte writes into a writer whose appends cost nothing
//     (scenario 1).
//   - network.go: slog JSON lines into an osstest server over loopback with
//     injected latency (scenario 2); cpusplit.go tells the peer's CPU
//     from the rest of the process's.
//   - bulk.go: io.Copy of log text, in memory and over loopback
//     (scenario 3).
//   - memory.go: peak heap while streaming gigabytes (scenario 4).
//   - frames.go: compression ratio and speed by frame size (scenario 5).
//   - local.go: peak memory of the ossappend command piping and reading a
//     gigabyte with its embedded server, --local (scenario 6);
//     throughput.go: its rate and CPU piping a file, beside cat and zstd
//     -T0 of the same file (scenario 6b).
//   - many.go: thousands of writers on one client, flushed and idle, then
//     a tenth of them streaming within a shared budget (scenario 7).
//   - recovery.go: a writer opened on a spool that an abandoned writer
//     left full, and its Close (scenario 8).
//   - throttle.go: thousands of writers sharing a RequestBudget, or none,
//     logging into an osstest server that throttles the bucket
//     (scenario 9).
//
// The workload (workload.go) is JSON log lines rendered by log/slog from a
// seed, so every peer gets the same bytes. The instant client (instant.go)
// is a fake OSS whose appends cost nothing but consuming the body. Every
// peer's output is checked: counted by a sink (sinks.go), or read back from
// osstest and compared with what was written (verify.go).
//
// Run (suite*.go) runs the scenarios, repeats each measurement, re-runs
// the ones that shared the machine with other work (cpuload.go, with the
// process's CPU time from rusage_*.go) and builds the tables (table.go),
// the targets and the chart (chart.go); machine.go describes the machine
// for the top of the report, bound.go computes the bound of appends to one
// object, counts.go the appends per frame, and compare.go sets an earlier
// run's figures beside this run's.
package bench
