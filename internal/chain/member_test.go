package chain

import (
	"slices"
	"testing"
)

func TestGroup(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
		want []Member
	}{
		{
			name: "a chain, rotations by number",
			keys: []string{"app.1.log", "app.10.log", "app.2.log", "app.log"},
			want: []Member{{"app.log", "app.log", 0}, {"app.1.log", "app.log", 1}, {"app.2.log", "app.log", 2}, {"app.10.log", "app.log", 10}},
		},
		{
			name: "periods in key order, each with its rotations",
			keys: []string{
				"dt=2026-11-30/hour=01/h.log.zst", "dt=2026-11-30/hour=00/h.1.log.zst",
				"dt=2026-11-30/hour=00/h.log.zst", "dt=2026-11-30/hour=01/h.1.log.zst",
			},
			want: []Member{
				{"dt=2026-11-30/hour=00/h.log.zst", "dt=2026-11-30/hour=00/h.log.zst", 0},
				{"dt=2026-11-30/hour=00/h.1.log.zst", "dt=2026-11-30/hour=00/h.log.zst", 1},
				{"dt=2026-11-30/hour=01/h.log.zst", "dt=2026-11-30/hour=01/h.log.zst", 0},
				{"dt=2026-11-30/hour=01/h.1.log.zst", "dt=2026-11-30/hour=01/h.log.zst", 1},
			},
		},
		{
			name: "rotations whose base is gone",
			keys: []string{"app.3.log", "app.2.log", "other.log"},
			want: []Member{{"app.2.log", "app.log", 2}, {"app.3.log", "app.log", 3}, {"other.log", "other.log", 0}},
		},
		{
			name: "a key that has rotations is a base",
			keys: []string{"backup.20261130.1.log", "backup.20261130.log", "backup.20261129.log"},
			want: []Member{
				{"backup.20261130.log", "backup.20261130.log", 0},
				{"backup.20261130.1.log", "backup.20261130.log", 1},
				{"backup.20261129.log", "backup.log", 20261129},
			},
		},
		{
			name: "codecs are separate chains",
			keys: []string{"app.1.log.gz", "app.log", "app.log.gz", "app.1.log"},
			want: []Member{{"app.log", "app.log", 0}, {"app.1.log", "app.log", 1}, {"app.log.gz", "app.log.gz", 0}, {"app.1.log.gz", "app.log.gz", 1}},
		},
		{name: "nothing", keys: nil, want: []Member{}},
	} {
		if got := Group(tc.keys); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Group(%q) =\n%v, want\n%v", tc.name, tc.keys, got, tc.want)
		}
	}
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		base, key string
		n         int
		ok        bool
	}{
		{"app.log", "app.log", 0, true},
		{"app.log", "app.7.log", 7, true},
		{"app.log", "app.7.log.zst", 0, false},
		{"app.log", "app.x.log", 0, false},
		{"backup.20261130.log", "backup.20261130.log", 0, true}, // the base, though it parses as a rotation
		{"backup.20261130.log", "backup.20261130.1.log", 1, true},
		{"backup.log", "backup.20261130.1.log", 0, false},
	} {
		m, ok := Of(tc.base, tc.key)
		if ok != tc.ok || ok && (m != Member{Key: tc.key, Base: tc.base, N: tc.n}) {
			t.Errorf("Of(%q, %q) = %+v, %v; want N %d, %v", tc.base, tc.key, m, ok, tc.n, tc.ok)
		}
	}
}
