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
// # Frames and appends
//
// Write copies its bytes into the current frame, a buffer that grows up to
// FlushSize as it fills, and returns: a Write of at most FlushSize bytes
// always lands in one frame, so a log line is never split. The frame is
// queued when it is full, when its oldest byte is FlushInterval old, when
// the period of a key layout ends (WithKeyLayout), or by Flush, Sync and
// Close. With a codec, queued frames are compressed in parallel, each into
// a self-contained frame of its format, so an object decodes with gzip -dc,
// zstd -dc or compress.NewReader. One goroutine per writer appends the
// frames in order with AppendObject at the object's length, and checks
// the CRC-64 OSS answers against the object's running one combined with
// the append's, whatever the client's DisableUploadCRC64Check says; frames
// that queued up behind a slow append go out together in the next
// (WithMaxAppendSize).
//
// AppendObject is not idempotent. When a request fails in a way that leaves
// its outcome unknown (a lost answer, a timeout, a 5xx, 408 or 429, a 409
// PositionNotEqualToLength), the writer asks HeadObject before it sends
// anything again: the old length and CRC-64 plus the append's mean it
// landed; the old ones mean it did not; a longer object is read back at the
// append's position; anything else means another writer has been at the
// object (ErrConflict), and the writer moves to a fresh key of the chain
// (WithRotateKey) and tells the error handler. Before an append would take
// an object past WithMaxObjectSize, or when OSS refuses it for its own size
// limit, the writer moves to the next key too. NewWriter resumes the newest
// object of the key's chain, never an older one.
//
// At most MaxInflight+1 frames exist in memory, so memory is bounded;
// when all are in use, Write waits (or, WithNonBlocking, drops and says
// so), unless a spool takes the frames on disk (WithSpool). The lock Write
// takes is never held while waiting, for a frame or for the network.
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
// spool. An object never holds part of a frame, so a compressed object
// always decodes completely.
//
// With a spool, a process killed at any moment (SIGKILL, out of memory)
// loses nothing that Write returned for: the next writer opened on the
// spool stores it, exactly once and in order, before anything new. What is
// checked: a finished frame's file carries a CRC-32C checkpoint of its
// whole data, and the bytes of the frame being filled are counted by a
// length word the kernel keeps for as long as the machine runs (on Linux;
// elsewhere every Write adds a checksummed commit record); after a
// restart of the machine only bytes up to the last checkpoint are taken,
// which Sync, Flush and WithSpoolSync write. A file that fails its checks
// is set aside, never sent, and reported (ErrSpoolDamaged): its bytes that
// fail them are the only ones lost. The append a dead writer was making
// may still land after its death; the next writer sends those frames only
// at the place the spool's record names, where OSS refuses them if the
// dead writer's append landed first, and the record recognises it, so
// they are stored once whichever lands.
//
// Two cases store a frame twice, each reported: a frame whose CRC-64 does
// not match after a successful append is sent again to a fresh key (the
// old copy cannot be trusted), and a client that cannot read an object
// back (no GetObject) cannot tell its own landed append from another
// writer's, and sends it again to a fresh key.
//
// # On real OSS
//
// The writer behaves as the production service needs. SealAppendObject
// is a feature most accounts lack: a writer made WithSealOnClose says so
// once (ErrSealNotSupported), stores everything and seals no more. After
// the machine's clock steps, OSS refuses requests as RequestTimeTooSkewed;
// the writer then dates its requests with OSS's time and goes on. OSS
// refuses the storage classes ColdArchive and DeepColdArchive and a KMS
// key ID for appendable objects, and so does NewWriter, before any
// request. An archived object (ErrArchived) cannot be read until it is
// restored: a writer resuming such an object of unknown codec starts the
// next object of its chain. Listings may lag behind a rotation just made:
// NewWriter checks the keys after the newest one listed. Ranged reads ask
// for OSS's standard range behaviour.
//
// The credentials need oss:PutObject (AppendObject), oss:GetObject
// (HeadObject, and the ranged reads that tell a landed append from another
// writer's and an object's codec), oss:ListObjects (finding the newest
// object of a chain; without it the writer asks key by key), and
// oss:SealAppendObject with WithSealOnClose, oss:PutObjectTagging with
// tags. Without oss:GetObject a writer cannot reconcile: it fails at the
// first failed append.
//
// # Many writers
//
// Writers share the process's compressors and buffer pools; a quiet writer
// holds no buffer. A Budget caps the memory the frames of many writers
// hold together (WithBudget); a RequestBudget caps their requests a second
// and slows them all down when OSS throttles them (WithRequestBudget). An
// Observer hears of each writer's requests, for metrics (WithObserver), and
// Stats reports its counters.
package ossappend
