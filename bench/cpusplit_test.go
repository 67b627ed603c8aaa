package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"sync"
	"testing"
)

// TestCPUSplit: the CPU a labeled function and the goroutines it starts
// spend is told apart from the rest of the process's.
func TestCPUSplit(t *testing.T) {
	s := startCPUSplit()
	if s == nil {
		t.Skip("another CPU profile runs")
	}
	burn := func() {
		b := make([]byte, 1<<20)
		for range 300 {
			crc64.Checksum(b, crcTable)
		}
	}
	labeled(func(ctx context.Context) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); burn() }() // inherits the label
		burn()
		wg.Wait()
	})
	side, _, err := s.stop()
	if err != nil {
		t.Fatal(err)
	}
	if side <= 0 {
		t.Fatalf("the labeled work took %v of CPU, want some", side)
	}
}

// TestProtoFields reads varints, bytes and packed values, and skips fixed
// fields, as a profile holds them.
func TestProtoFields(t *testing.T) {
	var msg []byte
	field := func(n int, wire uint64) { msg = binary.AppendUvarint(msg, uint64(n)<<3|wire) }
	field(1, 0)
	msg = binary.AppendUvarint(msg, 300)
	field(2, 1)
	msg = append(msg, make([]byte, 8)...)
	field(3, 2)
	msg = binary.AppendUvarint(msg, 3)
	msg = append(msg, "abc"...)
	field(4, 5)
	msg = append(msg, make([]byte, 4)...)
	var got []string
	err := protoFields(msg, func(f int, v uint64, b []byte) error {
		got = append(got, fmt.Sprintf("%d %d %s", f, v, b))
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[1 300  3 0 abc]" {
		t.Fatalf("fields %q, %v", got, err)
	}
	if protoFields([]byte{0x0a, 5, 'x'}, func(int, uint64, []byte) error { return nil }) == nil {
		t.Fatal("a length past the end was accepted")
	}
}
