package osstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"time"
)

// WithRestoreDelay makes a RestoreObject take d, by the server's clock,
// before the object can be read; by default a restore is done at once.
// Meanwhile HeadObject reports it ongoing, GetObject still answers 403
// InvalidObjectState, and another RestoreObject is refused with 409
// RestoreAlreadyInProgress.
func WithRestoreDelay(d time.Duration) Option {
	return func(o *options) { o.restoreDelay = d }
}

var (
	errInvalidObjectState = newError(http.StatusForbidden, "InvalidObjectState", "The operation is not valid for the object's state", "")
	errRestoreInProgress  = newError(http.StatusConflict, "RestoreAlreadyInProgress", "The restore operation is in progress.", "")
	errRestoreNotArchived = newError(http.StatusBadRequest, "OperationNotSupported", "The operation is not supported for this resource.", "")
)

// archived reports whether objects of a storage class must be restored
// before they are read.
func archived(class string) bool {
	return class == "Archive" || class == "ColdArchive" || class == "DeepColdArchive"
}

// restoreState says where an object of an archive class is in its
// restoration at now: never asked for or expired, ongoing, or done.
type restoreState int

const (
	frozen restoreState = iota
	restoring
	restored
)

func (s *Server) restoreState(m *objectMeta, now time.Time) restoreState {
	switch {
	case m.RestoreStarted.IsZero() || !now.Before(m.RestoreExpires):
		return frozen
	case now.Before(m.RestoreStarted.Add(s.opts.restoreDelay)):
		return restoring
	}
	return restored
}

// readable refuses to read an object of an archive class that is not
// restored.
func (s *Server) readable(m *objectMeta) error {
	if archived(m.StorageClass) && s.restoreState(m, s.clock.now()) != restored {
		return errInvalidObjectState
	}
	return nil
}

// restoreHeader sets x-oss-restore on the answer about an object being or
// having been restored.
func (s *Server) restoreHeader(h http.Header, m *objectMeta) {
	if !archived(m.StorageClass) {
		return
	}
	switch s.restoreState(m, s.clock.now()) {
	case restoring:
		h.Set("x-oss-restore", `ongoing-request="true"`)
	case restored:
		h.Set("x-oss-restore", fmt.Sprintf(`ongoing-request="false", expiry-date="%s"`, m.RestoreExpires.UTC().Format(http.TimeFormat)))
	}
}

// restoreObject serves RestoreObject: POST /key?restore, with an optional
// RestoreRequest body giving the days the object stays readable (one by
// default). It answers 202 when it starts a restore, 200 when the object
// is restored already (and stays so the days asked for from now).
func (s *Server) restoreObject(c *call) error {
	body, err := readBody(c, 64<<10, errMalformedXML)
	if err != nil {
		return err
	}
	days := 1
	if len(body) > 0 {
		var req struct {
			XMLName xml.Name `xml:"RestoreRequest"`
			Days    int      `xml:"Days"`
		}
		if err := xml.Unmarshal(body, &req); err != nil {
			return errMalformedXML
		}
		if req.Days != 0 {
			days = req.Days
		}
	}
	if days < 1 || days > 365 {
		return errInvalidArgument.withMessage("The restore days must be from 1 to 365.")
	}
	status := http.StatusAccepted
	err = s.store.updateObjectIf(c.rt.bucket, c.rt.key, func(m *objectMeta) error {
		if !archived(m.StorageClass) {
			return errRestoreNotArchived
		}
		now := s.clock.now()
		switch s.restoreState(m, now) {
		case restoring:
			return errRestoreInProgress
		case restored:
			status = http.StatusOK
		default:
			m.RestoreStarted = now
			now = now.Add(s.opts.restoreDelay)
		}
		m.RestoreExpires = now.Add(time.Duration(days) * 24 * time.Hour)
		return nil
	})
	if err != nil {
		return err
	}
	writeEmpty(c, status)
	return nil
}
