package ossappend

import "testing"

// TestBudgetBuffersStayWithinLimit: the buffers a budget makes, in use or
// spare, never take more than its size; spare ones of the size asked for
// are used again, others let go to make room.
func TestBudgetBuffersStayWithinLimit(t *testing.T) {
	b := NewBudget(20 << 10)
	a1, a2 := b.buffer(8<<10), b.buffer(8<<10)
	if b.held != 16<<10 {
		t.Fatalf("held %d, want 16 KiB", b.held)
	}
	b.keep(a1)
	b.keep(a2)
	again := b.buffer(8 << 10)
	if cap(again) != 8<<10 || &again[:1][0] != &a2[:1][0] || b.held != 16<<10 {
		t.Fatalf("a spare of the size asked for was not used again (held %d)", b.held)
	}
	big := b.buffer(12 << 10) // 8 in use + 8 spare + 12 > 20: the spare goes
	if cap(big) != 12<<10 || b.held != 20<<10 || len(b.spare[8<<10]) != 0 {
		t.Fatalf("held %d, spares %d: want the spare let go and 20 KiB held", b.held, len(b.spare[8<<10]))
	}
	b.keep(again)
	b.keep(big)
	if b.held != 20<<10 {
		t.Fatalf("held %d after everything came back, want 20 KiB", b.held)
	}
}
