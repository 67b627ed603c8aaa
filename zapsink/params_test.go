package zapsink

import "testing"

// TestParseSize reads sizes with and without units, and refuses others.
func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"0": 0, "4194304": 4 << 20, "4MiB": 4 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "4MB": 4e6, "64k": 64 << 10, "10B": 10, "2 mib": 2 << 20} {
		if n, err := parseSize(s); err != nil || n != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
	for _, s := range []string{"", "-1", "4XB", "MiB", "1.5MiB", "99999999999GiB"} {
		if n, err := parseSize(s); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", s, n)
		}
	}
}
