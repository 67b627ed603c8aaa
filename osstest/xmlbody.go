package osstest

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// deleteEntry is one object named in a DeleteMultipleObjects body.
type deleteEntry struct {
	key, versionID string
}

var errBadXML = errors.New("malformed XML")

// parseDelete parses a DeleteMultipleObjects body:
//
//	<Delete><Quiet>true</Quiet><Object><Key>k</Key><VersionId>v</VersionId></Object>...</Delete>
//
// It is hand-written because keys may hold control characters, which the
// SDK sends as character references (&#x01;) that XML 1.0, and so
// encoding/xml, refuses.
func parseDelete(body []byte) (quiet bool, entries []deleteEntry, err error) {
	doc, ok := element(body, "Delete")
	if !ok {
		return false, nil, errBadXML
	}
	if q, ok := element(doc, "Quiet"); ok {
		v, err := unescapeXML(q)
		if err != nil {
			return false, nil, err
		}
		switch strings.TrimSpace(v) {
		case "true":
			quiet = true
		case "false", "":
		default:
			return false, nil, errBadXML
		}
	}
	rest := doc
	for {
		i := bytes.Index(rest, []byte("<Object>"))
		if i < 0 {
			break
		}
		obj, ok := element(rest[i:], "Object")
		if !ok {
			return false, nil, errBadXML
		}
		rest = rest[i+len("<Object>")+len(obj)+len("</Object>"):]
		raw, ok := element(obj, "Key")
		if !ok {
			return false, nil, errBadXML
		}
		var e deleteEntry
		if e.key, err = unescapeXML(raw); err != nil || e.key == "" {
			return false, nil, errBadXML
		}
		if raw, ok := element(obj, "VersionId"); ok {
			if e.versionID, err = unescapeXML(raw); err != nil {
				return false, nil, err
			}
		}
		entries = append(entries, e)
	}
	return quiet, entries, nil
}

// element returns the content of the first <name>...</name> in b; the
// content ends at the first closing tag, so elements must not nest in
// themselves, which none of those parsed here do.
func element(b []byte, name string) ([]byte, bool) {
	open, end := []byte("<"+name+">"), []byte("</"+name+">")
	i := bytes.Index(b, open)
	if i < 0 {
		return nil, false
	}
	b = b[i+len(open):]
	j := bytes.Index(b, end)
	if j < 0 {
		return nil, false
	}
	return b[:j], true
}

// unescapeXML decodes the text of an element: the five predefined entities
// and numeric character references, of any code point. Markup in the text
// is refused.
func unescapeXML(b []byte) (string, error) {
	if bytes.IndexByte(b, '<') >= 0 || !utf8.Valid(b) {
		return "", errBadXML
	}
	if bytes.IndexByte(b, '&') < 0 {
		return string(b), nil
	}
	var out strings.Builder
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out.Write(b)
			break
		}
		out.Write(b[:i])
		b = b[i+1:]
		j := bytes.IndexByte(b, ';')
		if j < 0 {
			return "", errBadXML
		}
		ref := string(b[:j])
		b = b[j+1:]
		switch ref {
		case "lt":
			out.WriteByte('<')
		case "gt":
			out.WriteByte('>')
		case "amp":
			out.WriteByte('&')
		case "quot":
			out.WriteByte('"')
		case "apos":
			out.WriteByte('\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ref, "#x"):
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			case strings.HasPrefix(ref, "#"):
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			default:
				return "", errBadXML
			}
			if err != nil || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
				return "", errBadXML
			}
			out.WriteRune(rune(n))
		}
	}
	return out.String(), nil
}
