package ossappend

import "testing"

func TestBufferCap(t *testing.T) {
	for _, tc := range []struct{ n, max, want int }{
		{0, 4 << 20, minBuffer},
		{100, 4 << 20, minBuffer},
		{minBuffer + 1, 4 << 20, 2 * minBuffer},
		{1 << 20, 4 << 20, 1 << 20},
		{1<<20 + 1, 8 << 20, 1<<20 + 1<<18}, // an eighth of 2 MiB
		{4<<20 + 4<<10, 64 << 20, 5 << 20},  // a frame's worst-case encoding
		{3 << 20, 3<<20 - 1, 3<<20 - 1},     // never past max
		{6<<20 + 1, 64 << 20, 7 << 20},      // an eighth of 8 MiB
		{100 << 20, 1 << 30, 112 << 20},     // seven eighths of 128 MiB
	} {
		got := bufferCap(tc.n, tc.max)
		if got != tc.want {
			t.Errorf("bufferCap(%d, %d) = %d, want %d", tc.n, tc.max, got, tc.want)
		}
		if got < min(tc.n, tc.max) || got > tc.max || (tc.n > 1<<20 && float64(got) > 1.25*float64(tc.n) && got != minBuffer) {
			t.Errorf("bufferCap(%d, %d) = %d: too small, or more than a quarter too large", tc.n, tc.max, got)
		}
	}
}
