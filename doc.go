// Package ossappend streams an io.Writer into an Alibaba Cloud OSS
// appendable object: hand a *Writer to log.SetOutput, slog, zap or io.Copy
// and the bytes land in the object in large, ordered, optionally
// compressed appends, exactly once.
//
//	w, err := ossappend.NewWriter(ctx, client, "my-bucket", "logs/app.log.zst",
//		ossappend.WithCodec(compress.Zstd(3)))
//	if err != nil { ... }
//	defer w.Close()
//	log.SetOutput(w)
//
// Package ossread reads the objects back, whole or as they grow.
//
// # Where a byte goes
//
// A frame is filled, then queued, then appended; each step has its file.
//
//  1. Write (writer.go) copies the bytes into the current frame, a buffer
//     from the process's pools (buffer.go) that grows up to FlushSize as
//     it fills, and returns. A Write of at most FlushSize bytes always
//     lands in one frame. ReadFrom (readfrom.go) reads a frame's worth at a
//     time, or chunks, and hands them over the same way.
//  2. The current frame is queued (fill.go) when it is full, when its
//     oldest byte is FlushInterval old, when the period of a key layout
//     ends (layout.go), or by Flush and Close. Queuing numbers the frame
//     and hands it to the pipeline; the next Write starts a new frame.
//     With a spool (spool.go), the frame fills in a file's memory map;
//     queued, it is finished on disk by the finisher (its checksum taken
//     off the writer's lock) and waits there until the loader reads it
//     back into the pipeline, as frames come free.
//  3. With a codec, the process's compressors encode queued frames, each
//     writer's in turn, each frame into a self-contained one (encode.go,
//     package compress).
//  4. One goroutine per writer, the append loop (flush.go), takes the
//     frames in their queue order and appends them with AppendObject at
//     the object's current length, passing the running CRC-64 so that the
//     SDK checks the stored bytes end to end; frames that queued up behind
//     a slow append go out together in the next (body.go). With a spool,
//     it records what each append assumes first. Before an append would
//     pass the object size limit it moves to a new key, and a frame of a
//     new period goes to its period's key (rotate.go); where a writer
//     starts in a chain is resume.go's.
//  5. When a request fails in a way that leaves its outcome unknown (a
//     lost response, a timeout, a 5xx, a 408 or 429, a 409
//     PositionNotEqualToLength), the append loop asks HeadObject before
//     sending anything again (reconcile.go): length and CRC-64 equal to the
//     old ones plus the frame's mean the frame landed; the old ones mean it
//     did not; a longer object is read back at the frame's position;
//     anything else means another writer has been at the object
//     (ErrConflict), and the writer moves to a fresh key (rotate.go).
//     Failed requests wait out a backoff (retry.go).
//  6. A settled frame goes back to the pool, Flush's waiters wake and
//     Stats counts it (stats.go). Close (close.go) queues the last frame,
//     waits for the append loop, and stops the goroutines.
//
// At most MaxInflight+1 frames exist in memory, so memory is bounded (a
// Budget bounds many writers' together, budget.go; ReadFrom adds one
// frame-sized buffer, readfrom.go); when all are in use, Write waits (or,
// with WithNonBlocking, drops and says so), unless a spool takes the
// frames on disk. The lock that Write, the timer and Flush share is never
// held while waiting, for a frame or for the network. What the writer
// cannot return to a caller (a conflict it moved away from, dropped bytes,
// the error that stopped it) goes to the error handler (errors.go).
//
// # Guarantees
//
// Every byte Write accepts (it returned no error for it) is stored exactly
// once and in order, or the writer reports that it was not: the error
// returned by Write, Flush or Close, Stats().Pending, and the error handler.
// Bytes of one goroutine's writes keep their order; a Write of at most
// FlushSize bytes is never split between appends or objects. Bytes are
// durable in OSS once Flush (or Close) has returned nil; before that they
// may sit in memory for up to FlushInterval plus the time the appends
// ahead of them take, and a crash loses them, unless the writer has a
// spool: then a process killed at any moment loses nothing that Write
// returned for, and the next writer on the spool stores it, exactly once
// and in order. An object never holds part of a frame, so a compressed
// object always decodes completely.
package ossappend
