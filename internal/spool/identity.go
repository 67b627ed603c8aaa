package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ossappend/ossappend/internal/durable"
)

// identityFile holds the Identity of the spool's writer, as JSON.
const identityFile = "spool.json"

// formatVersion is the version of the spool's files this package writes.
const formatVersion = 1

type identityJSON struct {
	Format int    `json:"format"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Codec  string `json:"codec"`
	// Next is the lowest frame ID the spool has not seen, when it was
	// last opened: frames that leave no trace (empty ones, removed) do not
	// give their IDs again.
	Next uint64 `json:"next,omitempty"`
}

// readIdentity reads dir's identity file.
func readIdentity(dir string) (identityJSON, error) {
	var j identityJSON
	raw, err := os.ReadFile(filepath.Join(dir, identityFile))
	if err != nil {
		return j, err
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return j, fmt.Errorf("%s: %w", filepath.Join(dir, identityFile), err)
	}
	return j, nil
}

func (j identityJSON) identity() Identity {
	return Identity{Bucket: j.Bucket, Key: j.Key, Codec: j.Codec}
}

// ownerOf describes, for a message, whom dir belongs to.
func ownerOf(dir string) string {
	j, err := readIdentity(dir)
	if err != nil {
		return "owner unknown: " + err.Error()
	}
	return fmt.Sprintf("bucket %q, key %q", j.Bucket, j.Key)
}

// writeIdentity replaces dir's identity file, atomically.
func writeIdentity(dir string, id Identity, next uint64) error {
	raw, err := json.Marshal(identityJSON{Format: formatVersion, Bucket: id.Bucket, Key: id.Key, Codec: id.Codec, Next: next})
	if err != nil {
		return err
	}
	return replaceFile(filepath.Join(dir, identityFile), append(raw, '\n'))
}

// replaceFile replaces path with data, durably: path holds the old bytes
// or the new ones, never a mix. A temporary file a crash left behind is
// removed by the next Open.
func replaceFile(path string, data []byte) error {
	return durable.WriteFile(path, data, filepath.Base(path)+tmpExt+"-*")
}

// claim checks that the spool may serve s's identity: one with no frames
// takes it (and loses the intent records of its former writer); one with
// frames must already have it. It returns the Next the file held.
func (s *Spool) claim(hasFrames bool) (uint64, error) {
	want := s.opts.Identity
	j, err := readIdentity(s.dir)
	if err == nil && j.Format > formatVersion {
		return 0, fmt.Errorf("spool directory %s was written by a newer version (format %d; this one writes %d)",
			s.dir, j.Format, formatVersion)
	}
	if err == nil && j.identity() == want {
		return j.Next, nil
	}
	if hasFrames {
		switch {
		case err == nil:
			return 0, fmt.Errorf("spool directory %s holds frames of %v; this writer is for %v: %w",
				s.dir, j.identity(), want, ErrOtherOwner)
		case errors.Is(err, fs.ErrNotExist):
			return 0, fmt.Errorf("spool directory %s holds frames but no %s names their writer: %w",
				s.dir, identityFile, ErrOtherOwner)
		default:
			return 0, fmt.Errorf("spool directory %s holds frames but their writer cannot be read (%v): %w",
				s.dir, err, ErrOtherOwner)
		}
	}
	if err := os.Remove(s.intentPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("spool directory %s: %w", s.dir, err)
	}
	if err := writeIdentity(s.dir, want, j.Next); err != nil {
		return 0, wrapWrite("spool directory "+s.dir+": write "+identityFile, err)
	}
	return j.Next, nil
}
