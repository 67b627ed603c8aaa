package spool

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

func init() { children["full"] = fullChild }

// fullChild fills frame 1, commits 10 KiB to frame 2, syncs, and then
// limits the size of its files (RLIMIT_FSIZE, with SIGXFSZ ignored) to
// 32 KiB: creating a frame must fail with ErrFull (the second Create
// after the limit, where the spool prepares a frame file ahead), and so
// must commits to frame 2 past the limit on the write path. It prints
// each length committed to frame 2, and the errors.
func fullChild() int {
	const limit = 32 << 10
	signal.Ignore(syscall.SIGXFSZ)
	s, err := Open(childOptions())
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	frameSize := childOptions().FrameSize
	f, err := s.Create("k")
	if err != nil {
		fmt.Println("create 1:", err)
		return 1
	}
	if err := f.Commit(append(f.Buf, pattern(1, 0, frameSize)...)); err != nil {
		fmt.Println("commit 1:", err)
		return 1
	}
	if err := f.Finish(); err != nil {
		fmt.Println("finish 1:", err)
		return 1
	}
	f, err = s.Create("k")
	if err != nil {
		fmt.Println("create 2:", err)
		return 1
	}
	buf := append(f.Buf, pattern(2, 0, 10<<10)...)
	if err := f.Commit(buf); err != nil {
		fmt.Println("commit 2:", err)
		return 1
	}
	fmt.Println("committed", len(buf))
	s.Sync()
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Println("setrlimit:", err)
		return 1
	}
	for range 2 {
		if _, err = s.Create("k"); err != nil {
			break
		}
	}
	fmt.Printf("create: full=%v %v\n", errors.Is(err, ErrFull), err)
	for len(buf)+1024 <= frameSize {
		buf = append(buf, pattern(2, len(buf), 1024)...)
		if err := f.Commit(buf); err != nil {
			fmt.Printf("commit: full=%v %v\n", errors.Is(err, ErrFull), err)
			break
		}
		fmt.Println("committed", len(buf))
	}
	if err := s.Record(Intent{First: 1, Last: 1, Key: "k", Len: 1}); err != nil {
		fmt.Println("record:", err)
	}
	return 0
}

// TestFull runs out of room for real: a file size limit makes allocation
// and writes fail with EFBIG, as a full disk fails them with ENOSPC.
func TestFull(t *testing.T) {
	for _, p := range paths() {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			const frameSize = 64 << 10
			cmd, out := startChild(t, "full", "SPOOL_TEST_DIR="+dir, "SPOOL_TEST_PATH="+p.name, "SPOOL_TEST_FRAME_SIZE="+strconv.Itoa(frameSize))
			committed, createFull, commitFull := 0, false, false
			for {
				line, err := out.ReadString('\n')
				if err != nil {
					break
				}
				t.Log(line[:len(line)-1])
				var n int
				switch {
				case scan(line, "committed %d", &n):
					committed = n
				case len(line) > 12 && line[:12] == "create: full":
					createFull = line[:17] == "create: full=true"
				case len(line) > 12 && line[:12] == "commit: full":
					commitFull = line[:17] == "commit: full=true"
				default:
					t.Errorf("child: %s", line)
				}
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child: %v", err)
			}
			if !createFull {
				t.Error("Create past the limit did not fail with ErrFull")
			}
			if p.name == "write" && !commitFull {
				t.Error("Commit past the limit on the write path did not fail with ErrFull")
			}
			o := pathOptions(p.name, Options{Dir: dir, Identity: testID, FrameSize: frameSize})
			s := mustOpen(t, o)
			r := s.Recovered()
			want := []Frame{{ID: 1, Base: "k", Len: frameSize}, {ID: 2, Base: "k", Len: int64(committed)}}
			if !slices.Equal(r.Frames, want) || len(r.Damaged) > 0 {
				t.Fatalf("recovered %+v, want frames %+v", r, want)
			}
			equalBytes(t, "frame 1", mustRead(t, s, 1), pattern(1, 0, frameSize))
			equalBytes(t, "frame 2", mustRead(t, s, 2), pattern(2, 0, committed))
			entries, _ := os.ReadDir(s.dir + "/" + framesDir)
			if len(entries) != 2 {
				t.Errorf("%d files in the frames directory, want the 2 frames", len(entries))
			}
		})
	}
}

func scan(line, format string, n *int) bool {
	_, err := fmt.Sscanf(line, format, n)
	return err == nil
}
