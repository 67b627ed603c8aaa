// Command ossbench runs every scenario of the ossappend benchmarks in one
// process and prints one markdown table per scenario, with the machine at
// the top and the targets at the end:
//
//	go run ./bench/cmd/ossbench [-quick] [-out DIR] [-only 1,3] [-before FILE] [-cpuprofile FILE]
//
// It writes the tables to DIR/results.md and a chart of the latency
// scenario to DIR/latency.png (with -quick: results-quick.md and
// latency-quick.png; with -only, the scenarios run are named too, so that
// a partial run never overwrites the full run's files). DIR defaults to
// bench/results when run from the repository root, or results when run
// from bench itself. With -before, the report ends with this run's figures
// beside those of an earlier run's results file, of this version or
// another, row by row. Progress goes to standard error. The full run takes
// about ten minutes on a 2-core machine, -quick about two.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/ossappend/ossappend/bench"
)

func main() {
	if err := realMain(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ossbench:", err)
		os.Exit(1)
	}
}

func realMain(args []string) error {
	fs := flag.NewFlagSet("ossbench", flag.ExitOnError)
	quick := fs.Bool("quick", false, "short runs, one repetition: about two minutes")
	out := fs.String("out", defaultOut(), "directory for the results file and the chart")
	only := fs.String("only", "", "comma-separated scenarios to run, such as 1,3 (default all)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	before := fs.String("before", "", "an earlier run's results `file` to show beside this run's figures")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ossbench [-quick] [-out DIR] [-only 1,2,3,4,5,6,7,8,9] [-before FILE] [-cpuprofile FILE]\n\n")
		fs.PrintDefaults()
	}
	_ = fs.Parse(args)
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	cfg, suffix := bench.FullConfig(os.Stderr), ""
	if *quick {
		cfg, suffix = bench.QuickConfig(os.Stderr), "-quick"
	}
	var err error
	if cfg.Only, err = parseOnly(*only); err != nil {
		return err
	}
	if len(cfg.Only) > 0 {
		suffix += "-only" + strings.ReplaceAll(*only, ",", "")
	}
	var earlier *bench.Earlier
	if *before != "" {
		md, err := os.ReadFile(*before)
		if err != nil {
			return err
		}
		if earlier, err = bench.ParseReport(*before, md); err != nil {
			return err
		}
	}
	if *cpuprofile != "" {
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return run(cfg, *out, suffix, earlier)
}

// run runs the suite and writes its report and chart into dir, compared
// with earlier if it is not nil.
func run(cfg bench.Config, dir, suffix string, earlier *bench.Earlier) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rep, err := bench.Run(cfg)
	if err != nil {
		return err
	}
	rep.Before = earlier
	var md bytes.Buffer
	rep.Markdown(&md)
	chart := filepath.Join(dir, "latency"+suffix+".png")
	if len(rep.Net) > 0 {
		if err := bench.LatencyChart(rep.Net, "slog JSON lines into osstest, by injected latency", chart); err != nil {
			return err
		}
		fmt.Fprintf(&md, "![lines/s by latency](%s)\n", filepath.Base(chart))
	}
	if _, err := os.Stdout.Write(md.Bytes()); err != nil {
		return err
	}
	results := filepath.Join(dir, "results"+suffix+".md")
	if err := os.WriteFile(results, md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "ossbench: wrote %s in %v\n", results, rep.Took.Round(1e9))
	return nil
}

// defaultOut is bench/results of the repository whose root or bench
// directory is the working directory.
func defaultOut() string {
	if _, err := os.Stat(filepath.Join("bench", "go.mod")); err == nil {
		return filepath.Join("bench", "results")
	}
	return "results"
}

// parseOnly reads -only: scenario numbers from 1 to 9.
func parseOnly(s string) ([]int, error) {
	var only []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 9 {
			return nil, fmt.Errorf("-only %q: want scenario numbers 1 to 9", s)
		}
		only = append(only, n)
	}
	return only, nil
}

// startProfile starts the CPU profile and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
