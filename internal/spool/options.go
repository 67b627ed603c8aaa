package spool

import (
	"errors"
	"fmt"
)

// Options configure Open.
type Options struct {
	// Dir is the spool directory. It must exist and be writable: Open
	// does not create it.
	Dir string

	// Identity names whom the frames are for. A directory that holds
	// frames of another identity is refused.
	Identity Identity

	// FrameSize is the capacity of a frame's data (the writer's flush
	// size), from 1 byte to 1 GiB.
	FrameSize int

	// WritePath makes frames go through write calls even where memory
	// maps work. Platforms without maps always use it.
	WritePath bool

	// noLive makes mapped frames write a checksummed commit record at
	// every Commit, as they do where no boot ID is known; tests set it to
	// run that path on Linux.
	noLive bool
}

// Identity names the writer a spool belongs to.
type Identity struct {
	Bucket string
	Key    string // the key, or the key layout, given to the writer
	Codec  string
}

// String names the identity in messages.
func (id Identity) String() string {
	return fmt.Sprintf("bucket %q, key %q, codec %q", id.Bucket, id.Key, id.Codec)
}

func (o *Options) validate() error {
	switch {
	case o.Dir == "":
		return errors.New("spool: no directory given")
	case o.Identity.Bucket == "" || o.Identity.Key == "":
		return errors.New("spool: the identity needs a bucket and a key")
	case o.FrameSize < 1 || o.FrameSize > maxFrame:
		return fmt.Errorf("spool: frame size %d is outside 1 byte .. 1 GiB", o.FrameSize)
	}
	return nil
}
