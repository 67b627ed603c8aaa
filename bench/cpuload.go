package bench

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine is shared: other processes (and, in a VM, the hypervisor's
// steal) can take a core in the middle of a run, which halves what a
// parallel peer gets and spoils a ratio. A cpuMeter tells how many cores
// were busy with work other than this process's during a run, from
// /proc/stat and getrusage; the scenarios run again a run that shared the
// machine (see interfered).

// userHZ is the unit of /proc/stat's counters (USER_HZ, 100 on Linux).
const userHZ = 100

// A cpuMeter is a snapshot of the machine's and the process's CPU time.
type cpuMeter struct {
	wall        time.Time
	busy, steal float64 // seconds, all CPUs: busy includes steal
	self        float64 // this process's user and system seconds
	selfOK      bool    // self could be read (see processCPU)
	unsupported bool    // busy and steal could not be read
}

func readCPU() cpuMeter {
	m := cpuMeter{wall: time.Now()}
	m.self, m.selfOK = processCPU()
	if !m.selfOK {
		m.unsupported = true
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		m.unsupported = true
		return m
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		m.unsupported = true
		return m
	}
	for i, v := range f[1:9] {
		n, _ := strconv.ParseFloat(v, 64)
		switch i {
		case 3, 4: // idle, iowait
		default:
			m.busy += n / userHZ
		}
		if i == 7 {
			m.steal = n / userHZ
		}
	}
	return m
}

// othersCores is the average number of cores busy with other work (other
// processes and steal) between m and now.
func (m cpuMeter) othersCores() float64 {
	n := readCPU()
	wall := n.wall.Sub(m.wall).Seconds()
	if m.unsupported || n.unsupported || wall <= 0 {
		return 0
	}
	return max(0, (n.busy-m.busy)-(n.self-m.self)) / wall
}

// selfCPU is the user and system seconds this process used between m and
// now; ok is false where getrusage is not available.
func (m cpuMeter) selfCPU() (seconds float64, ok bool) {
	now, ok := processCPU()
	if !ok || !m.selfOK {
		return 0, false
	}
	return now - m.self, true
}

// interfered says whether a run shared the machine enough to spoil it:
// other work took a quarter of a core or more on average.
func interfered(others float64) bool { return others >= 0.25 }

// maxRetries bounds the runs spent on one measurement when the machine is
// busy; the last one is kept, and its interference reported.
const maxRetries = 4

// busyLog counts, for one table, the runs done again because the machine
// was busy, and the most other work any kept run shared the machine with.
type busyLog struct {
	reruns int
	worst  float64
}

// retry runs fn until its run was not interfered with, at most maxRetries
// times, and keeps count. fn returns how many cores other work took.
func (b *busyLog) retry(cfg Config, what string, fn func() (others float64, err error)) error {
	for try := 1; ; try++ {
		others, err := fn()
		if err != nil {
			return err
		}
		if !interfered(others) || try == maxRetries {
			b.worst = max(b.worst, others)
			return nil
		}
		b.reruns++
		cfg.logf("  %s: other work took %.2f cores; running it again", what, others)
	}
}

// note is the sentence a table's notes carry about the machine's load.
func (b *busyLog) note() string {
	s := "Other work on the machine (other processes and steal, from /proc/stat) took at most " + num(b.worst) + " cores during a kept run"
	if b.reruns > 0 {
		s += "; " + strconv.Itoa(b.reruns) + " runs that shared the machine with a quarter of a core or more were run again"
	}
	return s + "."
}
