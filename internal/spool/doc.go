// Package spool keeps a writer's frames in files from the moment Write
// accepts their bytes until their append is settled, so that a writer
// opened again on the same directory after the process was killed finds
// every byte a Write returned for.
//
//	s, err := spool.Open(spool.Options{Dir: dir, Identity: id, FrameSize: 4 << 20})
//	r := s.Recovered()        // frames left by an earlier process, intent record, damage
//	f, err := s.Create(key)   // a frame starts filling
//	f.Buf = append(f.Buf, p...)
//	err = f.Commit(f.Buf)     // p survives the death of the process
//	err = f.Finish()          // the frame is queued
//	data, err := s.Read(f.ID, nil)
//	view := s.View(f.ID)      // or its map, without a copy, if the spool keeps it
//	r, err := s.Reader(f.ID, n) // or streamed from its file, checked as it is read
//	err = s.Record(intent)    // before each append, durably
//	err = s.Remove(f.ID)      // once the append is settled
//	err = s.Sync()            // committed bytes survive a power loss too
//
// # Durability
//
// Where memory maps work (Linux, Windows) a frame's data lives in a shared
// map of its file: a Write is a copy into memory the kernel owns, and
// Commit stores a few words there, without a system call. The kernel
// keeps those pages whatever becomes of the process, SIGKILL and OOM
// included, so no fsync is needed for a killed process to lose nothing.
// Elsewhere, and with Options.WritePath, Commit writes the new bytes and a
// commit record with pwrite: the kernel has them when it returns.
//
// A power loss (or a crash of the kernel) keeps only what Sync made
// durable: Sync flushes the frames still filling, the finished frames not
// synced yet and the frames directory. Bytes committed after the last
// Sync may be lost then; recovery never takes bytes it cannot verify.
//
// On Linux (amd64, arm64) Commit stores only the frame's live length: an
// 8-byte word, the length and its complement, written with one store, so
// a kill leaves the old length or the new one. No checksum covers the
// bytes it counts: recovery trusts them only when the machine has not
// restarted since they were written, which it knows from the boot ID in
// the frame's header (/proc/sys/kernel/random/boot_id), since only then
// does the page cache still hold what the process wrote. Sync, Finish and
// Close write a checksummed checkpoint of the frame; after a restart,
// recovery keeps a frame up to its newest checkpoint that matches the
// data, and reports the bytes after it. Elsewhere (Windows, other Linux
// architectures, the write path) every Commit writes a checksummed commit
// record, which costs a CRC-32C of the new bytes.
//
// # Directory
//
//	DIR/.lock              the lock (package dirlock): one Spool per directory
//	DIR/spool.json         the identity: {"format":1,"bucket":…,"key":…,"codec":…,"next":…}
//	DIR/intent             intent records: two slots of 4 KiB, used alternately
//	DIR/frames/<ID>.frame  a frame; ID as 16 lower-case hexadecimal digits
//	DIR/quarantine/        damaged files set aside, each with <name>.reason
//	DIR/spare/             frame files prepared ahead or recycled (Linux)
//
// Everything is created private (0600, 0700). spool.json is replaced
// atomically (written, synced, renamed). A directory whose frames belong
// to another bucket, key or codec is refused (ErrOtherOwner); an empty one
// takes the new identity and drops the old intent records. "next" is the
// lowest frame ID not yet seen, so that IDs only grow: a new frame's ID is
// above every ID the directory has held, in frames, intent records and
// the quarantine.
//
// # Frame file
//
// A header page of 4096 bytes, then the data: FrameSize bytes allocated
// while the frame fills (fallocate on Linux, SetEndOfFile on Windows, so a
// full disk is an error of Create, wrapping ErrFull, and never a fault in
// a store), cut to the data's length by Finish. Integers are little-endian.
//
//	   0  8  magic "OSSAFRAM"
//	   8  4  version (1)
//	  12  4  header page size (4096)
//	  16  8  frame ID
//	  24  8  capacity (FrameSize when created)
//	  32  1  boot ID length, then 64 bytes of boot ID (the live length's boot; empty if unused)
//	  98  2  base key length, then 1023 bytes of base key (the first key of the frame's chain)
//	1124  4  CRC-32C of bytes 0..1123
//	2048  8  live length: low 32 bits the length, high 32 bits its complement; 0 if unused
//	2560 24  commit record A: generation (8), length (8), CRC-32C of the data (4), CRC-32C of the 20 bytes before (4)
//	3072 24  commit record B
//	3584 24  commit record C
//
// Commit records A and B are written alternately, each time to the one
// not written last, so that a record torn by a crash leaves the one
// before it: by every Commit where there is no live length, else by Sync,
// Finish and Close. Record C is Sync's copy of the newest of A and B, made
// once the data it counts is durable, where every Commit writes A or B.
// The CRCs are CRC-32C (Castagnoli), computed in hardware on amd64 and
// arm64.
//
// Create makes a frame under <ID>.frame.tmp and renames it when its header
// is written; a .tmp file never held a committed byte and recovery
// deletes it.
//
// # Recovery
//
// Open examines every file in the frames directory. For a frame it takes
// the valid commit record (own CRC) of the highest generation whose length
// the file holds and whose CRC matches the data, then the live length
// where it is trusted (same boot, not below that record, within the
// file). A frame whose kept length is 0 and that shows no damage is
// deleted quietly: it never held a committed byte. A frame as Finish
// leaves it is kept as it is; any other is sealed: every record rewritten
// to the kept length, no live length, the file cut to it, synced.
//
// Damage is never dropped silently and never sent. A file with a damaged
// header, a wrong name, no record that matches its data, or no name of a
// frame at all is moved to DIR/quarantine (as <name>.<UTC time>, with a
// one-line <name>.<UTC time>.reason) and not returned. A frame of which
// only some committed bytes check out (a torn or damaged record, data that
// does not match its newest record, a file cut short, bytes committed
// after the last Sync when the machine has restarted since) is copied
// there, and its first bytes that do check out are kept. Each is reported
// in Recovered().Damaged. An intent file with a damaged slot is moved
// there too, and its newest valid record written to a new one.
//
// Read checks a finished frame again: every record valid, no live
// length, the newest record naming no more data than the file holds, and
// the data matching its CRC; otherwise it fails with ErrDamaged. A frame
// this spool finished and whose map it still keeps is copied from the map
// instead: those are the bytes Finish has just checksummed, and nothing
// writes to them since. View gives those bytes without a copy; a Reader
// streams a frame from its file with Read's checks, the data's as the
// last bytes are read, so that a request that sends them fails before it
// is whole.
//
// # Intent record
//
// Record writes, to the slot not holding the newest record, and syncs
// before it returns (fdatasync; FlushFileBuffers on Windows):
//
//	   0  8  magic "OSSAINTN"
//	   8  4  version (2)
//	  16  8  generation
//	  24  8  first frame ID          32  8  last frame ID
//	  40  8  position before         48  8  CRC-64 before
//	  56  8  length of the body      64  8  CRC-64/ECMA of the body
//	  72  1  flags (1: the CRC-64 before is known)
//	  74  2  key length, then 1023 bytes of key
//	1100  1  number of earlier bodies (at most 7)
//	1104 16  each earlier body: length (8), CRC-64/ECMA (8)
//	1216  4  CRC-32C of bytes 0..1215
//
// An earlier body is one that a writer which died sent for the same
// frames at the same place: any of them may still land. Version 1 had no
// earlier bodies and its CRC-32C at 1100; it is still read (Legacy). The
// newest valid record (highest generation) is Recovered().Intent. A slot
// of zeros was never written. A record of an append says that the frames
// before its first are stored: Open deletes any of them that a power loss
// brought back (their removal not yet durable), so Record syncs the
// intent file alone.
//
// # Memory maps and spare files
//
// A fresh page of a shared file map costs a fault when first written,
// more than filling it. On Linux the spool therefore prepares the next
// frame's file in the background (allocated, mapped, and as many pages
// as the last frame filled, at least 256 KiB, faulted in with
// MADV_POPULATE_WRITE), and keeps the maps of the first finished frames
// not yet removed, up to 64 MiB of maps (at least two); those View gave
// out stay until their frames are removed. Remove makes the
// files of removed frames spare files in DIR/spare, up to 64 MiB of them
// (at least eight), so that the frames of a big append, removed
// together, make the files of the next ones: later frames reuse them,
// eight of them with their pages still mapped (a spare's map is faulted
// in again only beyond the page where its last frame's bytes ended), the
// others mapped and faulted in again from the page cache. The file of a
// frame whose map is kept is cut to its length when the spool closes, if
// the frame is still there. Spare files are not frames: Used does not
// count them (those 64 MiB, and the one prepared ahead), nor the uncut
// part of frames whose maps are kept; Open deletes spare files and cuts
// frames.
package spool
