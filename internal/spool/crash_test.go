package spool

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ossappend/ossappend/internal/testchild"
)

// The crash test's child commits records of a stream to frames, printing
// "<frame ID> <length>" after each Commit returns, removes every frame
// but the last crashKeep it finished, printing "removed <ID>", and is
// killed. (Removed frames' files are recycled for later frames.)
const (
	crashFrameSize = 16 << 10
	crashRecords   = 4000
	crashSyncEvery = 50
	crashKeep      = 3
)

func init() { children["commit"] = commitChild }

// recordSize is the length of record r of a stream.
func recordSize(seed, r int) int {
	x := uint64(seed)*0x9E3779B97F4A7C15 + uint64(r)*0xBF58476D1CE4E5B9
	x ^= x >> 31
	return 1 + int(x%400)
}

// crashPlan is what the child does: the frames it fills, each as its
// offset in the stream and the lengths it commits.
func crashPlan(seed int) (starts []int, commits [][]int) {
	off, n := 0, 0
	for r := range crashRecords {
		size := recordSize(seed, r)
		if len(commits) == 0 || n+size > crashFrameSize {
			starts, commits, n = append(starts, off), append(commits, nil), 0
		}
		n += size
		off += size
		commits[len(commits)-1] = append(commits[len(commits)-1], n)
	}
	return starts, commits
}

func childOptions() Options {
	return pathOptions(os.Getenv("SPOOL_TEST_PATH"), Options{
		Dir: os.Getenv("SPOOL_TEST_DIR"), Identity: testID, FrameSize: childFrameSize()})
}

// childFrameSize is SPOOL_TEST_FRAME_SIZE, or the crash test's.
func childFrameSize() int {
	if n, err := strconv.Atoi(os.Getenv("SPOOL_TEST_FRAME_SIZE")); err == nil {
		return n
	}
	return crashFrameSize
}

func commitChild() int {
	seed, _ := strconv.Atoi(os.Getenv("SPOOL_TEST_SEED"))
	s, err := Open(childOptions())
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	starts, commits := crashPlan(seed)
	var done []uint64
	for i, lens := range commits {
		f, err := s.Create("k")
		if err != nil {
			fmt.Println("create:", err)
			return 1
		}
		buf := f.Buf
		for j, n := range lens {
			buf = append(buf, pattern(seed, starts[i]+len(buf), n-len(buf))...)
			if err := f.Commit(buf); err != nil {
				fmt.Println("commit:", err)
				return 1
			}
			fmt.Printf("%d %d\n", f.ID, n)
			if j%crashSyncEvery == crashSyncEvery-1 {
				if err := s.Sync(); err != nil {
					fmt.Println("sync:", err)
					return 1
				}
			}
		}
		if err := f.Finish(); err != nil {
			fmt.Println("finish:", err)
			return 1
		}
		if done = append(done, f.ID); len(done) > crashKeep {
			if err := s.Remove(done[0]); err != nil {
				fmt.Println("remove:", err)
				return 1
			}
			fmt.Println("removed", done[0])
			done = done[1:]
		}
	}
	fmt.Println("done")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// startChild starts the test binary as the named child with env added.
func startChild(t *testing.T, name string, env ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	c := testchild.Start(t, append(env, childEnv+"="+name)...)
	return c.Cmd, c.Stdout
}

// TestCrash kills a committing child at random moments, many times, and
// checks after each that the spool holds every length the child printed
// (so every byte a Commit returned for), with its data, and nothing that
// was not committed.
func TestCrash(t *testing.T) {
	rounds := 25
	if testing.Short() {
		rounds = 5
	}
	for _, p := range paths() {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			o := pathOptions(p.name, Options{Dir: dir, Identity: testID, FrameSize: childFrameSize()})
			rng := rand.New(rand.NewPCG(uint64(len(p.name)), 7))
			var lastID uint64
			for round := range rounds {
				seed := 1000*len(p.name) + round
				// Lines to read before the kill: the child keeps going
				// until the kill lands, so it lands anywhere after.
				k := 1 + rng.IntN(crashRecords-1)
				if round%5 == 0 {
					k = 1 + rng.IntN(30) // early: during the first frames
				}
				cmd, out := startChild(t, "commit", "SPOOL_TEST_DIR="+dir, "SPOOL_TEST_PATH="+p.name,
					"SPOOL_TEST_SEED="+strconv.Itoa(seed))
				printed := map[uint64]int64{}
				removed := map[uint64]bool{}
				var firstID uint64
				// Every line the child printed, those written after the
				// kill was sent included, is something it did.
				for i := 0; ; i++ {
					if i == k {
						cmd.Process.Kill()
					}
					line, err := out.ReadString('\n')
					if err == io.EOF && i >= k {
						break
					}
					if err != nil {
						t.Fatalf("round %d: child stopped after %d lines: %v", round, i, err)
					}
					var id uint64
					var n int64
					switch {
					case line == "done\n":
						k = i + 1
					case scanLine(line, "removed %d", &id):
						removed[id] = true
					case scanLine(line, "%d %d", &id, &n):
						if firstID == 0 {
							firstID = id
						}
						printed[id] = n
					default:
						t.Fatalf("round %d: child said %q", round, line)
					}
				}
				cmd.Wait()
				if firstID <= lastID {
					t.Fatalf("round %d: the child's first frame has ID %d, not above %d", round, firstID, lastID)
				}
				lastID = checkCrash(t, o, seed, firstID, printed, removed, round)
			}
		})
	}
}

// checkCrash opens the spool after a kill and checks it against what the
// child printed; it removes the frames and returns the highest ID.
func checkCrash(t *testing.T, o Options, seed int, firstID uint64, printed map[uint64]int64, removed map[uint64]bool, round int) uint64 {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	defer s.Close()
	r := s.Recovered()
	for _, d := range r.Damaged {
		// Only where Commit stores a checksummed record in a map can a
		// kill tear one; the commit before it is then kept.
		if !(o.noLive && !o.WritePath && strings.Contains(d.Reason, "is torn or damaged")) {
			t.Errorf("round %d: damaged: %+v", round, d)
		}
	}
	starts, commits := crashPlan(seed)
	stream := pattern(seed, 0, starts[len(starts)-1]+crashFrameSize)
	var ids []uint64
	for i, fr := range r.Frames {
		idx := int(fr.ID - firstID)
		if fr.ID < firstID || i > 0 && fr.ID != r.Frames[i-1].ID+1 {
			t.Fatalf("round %d: recovered frames %v, want consecutive IDs from %d on", round, frameIDs(r.Frames), firstID)
		}
		if removed[fr.ID] {
			t.Errorf("round %d: frame %d, removed, is back", round, fr.ID)
			continue
		}
		if !slices.Contains(commits[idx], int(fr.Len)) {
			t.Errorf("round %d: frame %d has %d bytes, not a length that was committed", round, fr.ID, fr.Len)
		}
		if fr.Len < printed[fr.ID] {
			t.Errorf("round %d: frame %d has %d bytes, %d were committed", round, fr.ID, fr.Len, printed[fr.ID])
		}
		if idx+1 < len(commits) && fr.ID+1 <= maxKey(printed) && fr.Len != int64(slices.Max(commits[idx])) {
			t.Errorf("round %d: finished frame %d has %d bytes, want %d", round, fr.ID, fr.Len, slices.Max(commits[idx]))
		}
		got, err := s.Read(fr.ID, nil)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		equalBytes(t, fmt.Sprintf("round %d: frame %d", round, fr.ID), got, stream[starts[idx]:starts[idx]+int(fr.Len)])
		ids = append(ids, fr.ID)
	}
	// The child may have been killed while it removed the oldest frame
	// it kept, after the file went and before it said so.
	removing := uint64(0)
	for id := range printed {
		if !removed[id] && (removing == 0 || id < removing) {
			removing = id
		}
	}
	if removing+crashKeep > maxKey(printed) {
		removing = 0
	}
	for id := range printed {
		if !removed[id] && id != removing && !slices.Contains(ids, id) {
			t.Errorf("round %d: frame %d, which the child committed to, is missing", round, id)
		}
	}
	if err := s.Remove(ids...); err != nil {
		t.Fatal(err)
	}
	return max(firstID, slices.Max(append(ids, 0)))
}

func scanLine(line, format string, args ...any) bool {
	_, err := fmt.Sscanf(line, format, args...)
	return err == nil
}

func maxKey(m map[uint64]int64) uint64 {
	var k uint64
	for id := range m {
		k = max(k, id)
	}
	return k
}
