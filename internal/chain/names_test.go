package chain

import (
	"strings"
	"testing"
)

func TestRotate(t *testing.T) {
	for _, tc := range []struct {
		key  string
		n    int
		want string
	}{
		{"logs/app.log", 1, "logs/app.1.log"},
		{"logs/app.log", 10, "logs/app.10.log"},
		{"logs/app.log.zst", 1, "logs/app.1.log.zst"},
		{"logs/app.log.gz", 2, "logs/app.2.log.gz"},
		{"logs/app.s2", 3, "logs/app.3.s2"},
		{"logs/app.log.s2", 1, "logs/app.1.log.s2"},
		{"logs/app.json.zst", 4, "logs/app.4.json.zst"},
		{"logs/app", 1, "logs/app.1"},
		{"logs/app.tar.gz", 1, "logs/app.1.tar.gz"},
		{"logs/.hidden", 1, "logs/.hidden.1"},
		{"logs/.hidden.zst", 1, "logs/.hidden.1.zst"},
		{"logs/name.", 1, "logs/name..1"},
		{"logs.d/app", 1, "logs.d/app.1"},
		{".gz", 1, ".gz.1"},
		{"dir/", 1, "dir/.1"},
	} {
		if got := Rotate(tc.key, tc.n); got != tc.want {
			t.Errorf("Rotate(%q, %d) = %q, want %q", tc.key, tc.n, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		key  string
		base string
		n    int // 0: not a rotation
	}{
		{"logs/app.1.log", "logs/app.log", 1},
		{"logs/app.10.log", "logs/app.log", 10},
		{"logs/app.1.log.zst", "logs/app.log.zst", 1},
		{"logs/app.10", "logs/app", 10},
		{"logs/app.1.tar.gz", "logs/app.tar.gz", 1},
		{"logs/.hidden.1", "logs/.hidden", 1},
		{"logs/.hidden.1.zst", "logs/.hidden.zst", 1},
		{"logs/app.2.1", "logs/app.1", 2}, // rotation 2 of app.1, not 1 of app.2
		{"logs/backup.20261130.log", "logs/backup.log", 20261130},
		{".gz.1", ".gz", 1},
		{"logs/app.log", "", 0},
		{"logs/app.log.zst", "", 0},
		{"logs/app", "", 0},
		{"logs/app.0.log", "", 0},  // Rotate numbers from 1
		{"logs/app.01.log", "", 0}, // Rotate writes no leading zero
		{"logs/app.+1.log", "", 0},
		{"logs/app.-1.log", "", 0},
		{"logs/app.1.log/x", "", 0},
		{"logs/app.99999999999999999999.log", "", 0},
		{"logs/app.gz.1", "", 0}, // Rotate keeps .gz last
		{"", "", 0},
	} {
		base, n, ok := Parse(tc.key)
		if ok != (tc.n > 0) || base != tc.base || n != tc.n {
			t.Errorf("Parse(%q) = %q, %d, %v; want %q, %d, %v", tc.key, base, n, ok, tc.base, tc.n, tc.n > 0)
		}
	}
}

func TestPrefix(t *testing.T) {
	for key, want := range map[string]string{
		"logs/app.log.zst": "logs/app.",
		"logs/app.log":     "logs/app.",
		"logs/app.1x":      "logs/app.", // not "logs/app.1": rotation 2 is logs/app.2.1x
		"logs/app":         "logs/app",
		"logs/.hidden":     "logs/.hidden",
	} {
		if got := Prefix(key); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", key, got, want)
		}
	}
}

// FuzzRotate checks that Parse undoes Rotate, and that Prefix is a prefix
// of the key and its rotations.
func FuzzRotate(f *testing.F) {
	for _, k := range []string{"logs/app.log", "logs/app.log.zst", "app", ".gz", "a.1.b", "x.9/y.z", "dir/"} {
		f.Add(k, 1)
		f.Add(k, 12)
	}
	f.Fuzz(func(t *testing.T, key string, n int) {
		if n < 1 {
			return
		}
		r := Rotate(key, n)
		base, m, ok := Parse(r)
		if !ok || base != key || m != n {
			t.Fatalf("Parse(Rotate(%q, %d) = %q) = %q, %d, %v", key, n, r, base, m, ok)
		}
		p := Prefix(key)
		if !strings.HasPrefix(key, p) || !strings.HasPrefix(r, p) {
			t.Fatalf("Prefix(%q) = %q, not a prefix of the key or of %q", key, p, r)
		}
		if b, k, ok := Parse(key); ok && Rotate(b, k) != key {
			t.Fatalf("Parse(%q) = %q, %d, which Rotate does not give back", key, b, k)
		}
	})
}
