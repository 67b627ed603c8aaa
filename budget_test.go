package ossappend

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ossappend/ossappend/osstest"
	"golang.org/x/sync/errgroup"
)

// TestBudgetReusesItsRegion: a budget hands out buffers from its own
// region and takes them back there: a buffer given back is handed out
// again, parts given back join their neighbours, and only a buffer that
// fits nowhere in one piece comes from the heap, counted by Memory until
// it is back.
func TestBudgetReusesItsRegion(t *testing.T) {
	b := NewBudget(20 << 10)
	a1, a2 := b.buffer(8<<10), b.buffer(8<<10)
	if cap(a1) != 8<<10 || cap(a2) != 8<<10 || b.Memory() != 16<<10 || b.outside != 0 {
		t.Fatalf("caps %d and %d, memory %d: want two buffers of 8 KiB from the region", cap(a1), cap(a2), b.Memory())
	}
	b.keep(a1)
	again := b.buffer(8 << 10)
	if &again[:1][0] != &a1[:1][0] {
		t.Fatal("a buffer given back was not handed out again")
	}
	b.keep(again)
	b.keep(a2)
	big := b.buffer(20 << 10) // the whole region, in one piece again
	if cap(big) != 20<<10 || &big[:1][0] != &a1[:1][0] || b.outside != 0 || b.Memory() != 20<<10 {
		t.Fatalf("memory %d, outside %d: want the region whole, in one buffer", b.Memory(), b.outside)
	}
	small := b.buffer(4 << 10) // no room left: from the heap
	if cap(small) != 4<<10 || b.outside != 4<<10 || b.Memory() != 24<<10 {
		t.Fatalf("memory %d, outside %d: want 4 KiB from the heap, counted", b.Memory(), b.outside)
	}
	b.keep(small)
	b.keep(big)
	if b.outside != 0 || b.Memory() != 20<<10 || len(b.free) != 1 || b.free[0] != (extent{0, 20 << 10}) {
		t.Fatalf("memory %d, outside %d, free %v after everything came back", b.Memory(), b.outside, b.free)
	}
	// Cut up, then whole again: pieces join whichever neighbour comes back.
	var bufs [][]byte
	for range 5 {
		bufs = append(bufs, b.buffer(4<<10))
	}
	for _, i := range []int{1, 3, 0, 4, 2} {
		b.keep(bufs[i])
	}
	if len(b.free) != 1 || b.free[0] != (extent{0, 20 << 10}) {
		t.Fatalf("free parts %v, want the region whole", b.free)
	}
	if n := testing.AllocsPerRun(100, func() { b.keep(b.buffer(8 << 10)) }); n != 0 {
		t.Fatalf("%v allocations to take a buffer and give it back", n)
	}
}

// TestBudgetRegionIsNotHeap: where the system maps anonymous memory, a
// budget's buffers are not on the Go heap, which the garbage collector
// paces itself by.
func TestBudgetRegionIsNotHeap(t *testing.T) {
	if !regionOffHeap {
		t.Skip("no region outside the heap here, or with the race detector")
	}
	base := heapInUse()
	b := NewBudget(64 << 20)
	var bufs [][]byte
	for range 16 {
		buf := b.buffer(4 << 20)
		buf = buf[:cap(buf)]
		for i := range buf {
			buf[i] = 1
		}
		bufs = append(bufs, buf)
	}
	if grown := heapInUse() - base; grown > 1<<20 || b.outside != 0 {
		t.Fatalf("64 MiB of buffers grew the heap by %d bytes (%d from the heap)", grown, b.outside)
	}
	runtime.KeepAlive(bufs)
	runtime.KeepAlive(b)
}

// TestBudgetGrowsInPlace: a buffer that grows keeps its bytes and needs
// no room for two buffers: it takes the free part after it if it can,
// else moves, within its own room if that helps.
func TestBudgetGrowsInPlace(t *testing.T) {
	b := NewBudget(16 << 10)
	fill := func(buf []byte, n int, v byte) []byte {
		for range n {
			buf = append(buf, v)
		}
		return buf
	}
	same := func(p, q []byte) bool { return &p[:1][0] == &q[:1][0] }
	a := fill(b.buffer(4<<10), 4<<10, 'a')
	g, _ := b.grow(a, 8<<10, 8<<10) // the part after it is free
	if !same(g, a) || cap(g) != 8<<10 || len(g) != 4<<10 || g[4<<10-1] != 'a' {
		t.Fatalf("grew to cap %d, len %d, in place %v", cap(g), len(g), same(g, a))
	}
	x := b.buffer(4 << 10) // after g: g cannot grow in place
	g = fill(g, 4<<10, 'b')
	// g's 8 KiB and the 4 free after x are 12, but not in one piece: g
	// stays as it is.
	same2, ok := b.grow(g, 12<<10, 12<<10)
	if ok || !same(same2, g) || cap(same2) != 8<<10 || len(same2) != 8<<10 || b.outside != 0 || len(b.free) != 1 || b.free[0] != (extent{12 << 10, 4 << 10}) {
		t.Fatalf("grew %v to cap %d, outside %d, free %v: want g kept as it was", ok, cap(same2), b.outside, b.free)
	}
	b.keep(g)
	b.keep(x)
	if b.outside != 0 || len(b.free) != 1 {
		t.Fatalf("outside %d, free %v after everything came back", b.outside, b.free)
	}
	// Blocked after it, room before it: the buffer moves down, over its
	// own old room.
	p1 := b.buffer(4 << 10)
	p2 := fill(b.buffer(4<<10), 4<<10, 'c')
	p3 := b.buffer(8 << 10)
	b.keep(p1)
	g, _ = b.grow(p2, 8<<10, 8<<10)
	if !same(g, p1) || len(g) != 4<<10 || g[0] != 'c' || g[4<<10-1] != 'c' || b.outside != 0 {
		t.Fatalf("moved %v, len %d, outside %d: want it where p1 was, with its bytes", same(g, p1), len(g), b.outside)
	}
	b.keep(g)
	b.keep(p3)
	if len(b.free) != 1 || b.free[0] != (extent{0, 16 << 10}) {
		t.Fatalf("free %v, want the region whole", b.free)
	}
	// Free parts on both sides, 12 KiB with its own, short of 16: it
	// stays, the parts around it free.
	q := [4][]byte{b.buffer(4 << 10), b.buffer(4 << 10), b.buffer(4 << 10), b.buffer(4 << 10)}
	b.keep(q[0])
	b.keep(q[2])
	if g, ok := b.grow(q[1], 16<<10, 16<<10); ok || !same(g, q[1]) || len(b.free) != 2 || b.free[0] != (extent{0, 4 << 10}) || b.free[1] != (extent{8 << 10, 4 << 10}) {
		t.Fatalf("grew %v, free %v: want it kept, the parts around it free", ok, b.free)
	}
}

// TestDrawsInOrder: the budget's draws are first come, first served: a
// large draw that waits is not passed by smaller ones behind it; a wait
// whose context ends lets those behind it through; a wait allocates
// nothing.
func TestDrawsInOrder(t *testing.T) {
	d := &draws{size: 10}
	if !d.tryAcquire(8) || d.tryAcquire(3) {
		t.Fatal("tryAcquire: want 8 of 10 drawn, then 3 refused")
	}
	got := make(chan int64, 3)
	wait := func(ctx context.Context, n int64) {
		if d.acquire(ctx, n) {
			got <- n
		} else {
			got <- -n
		}
	}
	waiting := func(k int) {
		for {
			d.mu.Lock()
			n := len(d.waiters)
			d.mu.Unlock()
			if n == k {
				return
			}
			runtime.Gosched()
		}
	}
	go wait(context.Background(), 5) // waits: 2 are left
	waiting(1)
	if d.tryAcquire(1) {
		t.Fatal("tryAcquire passed a waiter")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go wait(ctx, 9)
	waiting(2)
	go wait(context.Background(), 1)
	waiting(3)
	d.release(8) // 5 goes, then 9 does not fit: 1 waits behind it
	if n := <-got; n != 5 {
		t.Fatalf("first through: %d, want 5", n)
	}
	cancel()
	if n, m := <-got, <-got; n+m != -9+1 {
		t.Fatalf("then %d and %d, want 9 given up and 1 through", n, m)
	}
	if d.cur != 6 || len(d.waiters) != 0 {
		t.Fatalf("drawn %d, %d waiting; want 6, none", d.cur, len(d.waiters))
	}
	d.release(6)
	if n := testing.AllocsPerRun(100, func() {
		d.acquire(context.Background(), 10)
		go d.release(10)
		d.acquire(context.Background(), 10)
		d.release(10)
	}); n > 1 { // the goroutine
		t.Fatalf("%v allocations for a wait", n)
	}
}

// TestBudgetWithoutItsRegion: where the system will not map the budget's
// region (a budget larger than the address space, or a system without
// anonymous maps), every buffer comes from the heap, counted by Memory
// until it is back, and writers sharing the budget store their bytes as
// they would with it.
func TestBudgetWithoutItsRegion(t *testing.T) {
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket("budget"); err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	b := NewBudget(64 << 10)
	b.noMap = true // as when mapRegion fails
	const writers, lines = 4, 2000
	var ws []*Writer
	for i := range writers {
		w, err := NewWriter(context.Background(), client, "budget", fmt.Sprintf("w%d.log", i),
			WithBudget(b), WithFlushSize(4<<10), WithMaxInflight(2), WithFlushInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	var g errgroup.Group
	for i, w := range ws {
		g.Go(func() error {
			for j := range lines {
				if _, err := fmt.Fprintf(w, "writer %d line %d\n", i, j); err != nil {
					return err
				}
			}
			return w.Close()
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if b.region != nil || b.top != 0 {
		t.Fatalf("a region of %d bytes, %d reached: want none", len(b.region), b.top)
	}
	if b.outside != 0 || b.Memory() != 0 || b.Used() != 0 {
		t.Fatalf("outside %d, memory %d, used %d once every writer closed: want 0", b.outside, b.Memory(), b.Used())
	}
	for i := range writers {
		got, ok := srv.Object("budget", fmt.Sprintf("w%d.log", i))
		var want bytes.Buffer
		for j := range lines {
			fmt.Fprintf(&want, "writer %d line %d\n", i, j)
		}
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("object %d: %d bytes, want %d, every line once, in order", i, len(got), want.Len())
		}
	}
}

// TestBudgetSetsRoomAside: a frame buffer of a writer with a codec takes
// the room its encoding may need in the region, which comes back with it,
// so that an encoding a little larger than its frame takes the frame's
// own part and the region is cut into parts of one size only.
func TestBudgetSetsRoomAside(t *testing.T) {
	b := NewBudget(40 << 10)
	room := func(c int) int { return c + 1<<10 }
	var bufs [][]byte
	for range 4 {
		buf := b.bufferAtLeast(8<<10, 4<<10, room)
		if cap(buf) != 8<<10 || b.lent[&buf[:1][0]].n != 9<<10 {
			t.Fatalf("capacity %d, part %d: want 8 KiB and 9 KiB", cap(buf), b.lent[&buf[:1][0]].n)
		}
		bufs = append(bufs, buf)
	}
	if b.top != 36<<10 || b.outside != 0 {
		t.Fatalf("top %d, outside %d: want four parts of 9 KiB", b.top, b.outside)
	}
	// The fifth has no room for 8 KiB and its room: it takes 3 KiB, with
	// its room, the 4 KiB left.
	small := b.bufferAtLeast(8<<10, 3<<10, room)
	if cap(small) != 3<<10 || b.lent[&small[:1][0]].n != 4<<10 || b.outside != 0 {
		t.Fatalf("capacity %d, part %d, outside %d: want 3 KiB in the 4 KiB left", cap(small), b.lent[&small[:1][0]].n, b.outside)
	}
	// An encoding of 9 KiB takes the part its frame gave back; given back
	// in turn, the part is whole again for the next frame.
	b.keep(bufs[1])
	enc := b.buffer(9 << 10)
	if &enc[:1][0] != &bufs[1][:1][0] || b.outside != 0 {
		t.Fatalf("the encoding did not take its frame's part (outside %d)", b.outside)
	}
	b.keep(enc)
	again := b.bufferAtLeast(8<<10, 8<<10, room)
	if &again[:1][0] != &bufs[1][:1][0] || b.lent[&again[:1][0]].n != 9<<10 {
		t.Fatal("the part an encoding filled did not serve the next frame whole")
	}
	// Growing within the room set aside changes nothing else.
	if g, ok := b.grow(again[:10], 9<<10, 9<<10); !ok || &g[:1][0] != &again[:1][0] || cap(g) != 9<<10 || len(b.free) != 0 {
		t.Fatalf("grown within its room: ok %v, capacity %d, free %v", ok, cap(g), b.free)
	}
	b.keep(again)
	for _, buf := range append([][]byte{small}, bufs[0], bufs[2], bufs[3]) {
		b.keep(buf)
	}
	if len(b.free) != 1 || b.free[0] != (extent{0, 40 << 10}) || b.outside != 0 {
		t.Fatalf("free %v, outside %d once every buffer came back", b.free, b.outside)
	}
}
