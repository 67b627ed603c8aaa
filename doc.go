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
// # Where a byte goes
//
//  1. Write (writer.go) copies the bytes into the current frame, a pooled
//     buffer of FlushSize bytes (buffer.go), and returns. A Write of at most
//     FlushSize bytes always lands in one frame. ReadFrom (readfrom.go)
//     reads straight into frames of its own.
//  2. A frame is sealed (seal.go) when it is full, when its oldest byte is
//     FlushInterval old (timer.go), or by Flush and Close (lifecycle.go).
//     Sealing numbers the frame and queues it.
//  3. With a codec, Concurrency goroutines compress sealed frames in
//     parallel, each into one self-contained frame (encode.go, package
//     compress).
//  4. One goroutine, the append loop (flush.go), takes the frames in
//     their sealing order and appends each with one AppendObject at the
//     object's current length, passing the running CRC-64 so that the SDK
//     checks the stored bytes end to end. Before an append would pass the
//     object size limit it moves to a new key (RotateKey).
//  5. When a request fails in a way that leaves its outcome unknown (a
//     lost response, a timeout, a 5xx, a 408 or 429, a 409
//     PositionNotEqualToLength), the append loop asks HeadObject before
//     sending anything again: length and CRC-64 equal to the old ones plus
//     the frame's mean the frame landed; the old ones mean it did not; a
//     longer object is read back at the frame's position; anything else
//     means another writer has been at the object (ErrConflict)
//     (reconcile.go).
//  6. A settled frame goes back to the pool, Flush's waiters wake and
//     Stats counts it (stats.go).
//
// At most MaxInflight+1 frames exist, so memory is bounded; when all are
// in use, Write waits (or, with WithNonBlocking, drops and says so). The
// lock that Write, the timer and Flush share is never held while waiting,
// for a frame or for the network.
//
// # Guarantees
//
// Every byte Write accepts (it returned no error for it) is stored exactly
// once and in order, or the writer reports that it was not: the error
// returned by Write, Flush or Close, Stats().Pending, and the error handler.
// Bytes of one goroutine's writes keep their order; a Write of at most
// FlushSize bytes is never split between appends or objects. Bytes are
// durable in OSS once Flush (or Sync, or Close) has returned nil; before
// that they may sit in memory for up to FlushInterval plus the time the
// appends ahead of them take, and a crash loses them. An object never holds
// part of a frame, so a compressed object always decodes completely.
package ossappend
