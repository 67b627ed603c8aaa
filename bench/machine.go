package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes where the numbers were taken, for the top of a report.
type Machine struct {
	CPU        string
	Cores      int
	GOMAXPROCS int
	Memory     string
	Go         string
	OS         string
	Load       string // /proc/loadavg at the start: the machine is shared
	Date       time.Time
}

// ThisMachine reads the machine's description.
func ThisMachine() Machine {
	return Machine{
		CPU:        procField("/proc/cpuinfo", "model name"),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Memory:     procField("/proc/meminfo", "MemTotal"),
		Go:         runtime.Version(),
		OS:         runtime.GOOS + "/" + runtime.GOARCH,
		Load:       loadavg(),
		Date:       time.Now().UTC(),
	}
}

// String is the machine as markdown lines.
func (m Machine) String() string {
	return fmt.Sprintf("- date: %s\n- CPU: %s, %d cores (GOMAXPROCS %d), memory %s\n- Go: %s %s\n- load average at start: %s\n",
		m.Date.Format("2006-01-02 15:04 MST"), m.CPU, m.Cores, m.GOMAXPROCS, m.Memory, m.Go, m.OS, m.Load)
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "unknown".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "unknown"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
