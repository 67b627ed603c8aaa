package osstest

import (
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxListKeys is the most entries one listing returns; defaultListKeys is
// how many it returns when the request does not say.
const (
	maxListKeys     = 1000
	defaultListKeys = 100
)

// listParams are the parameters common to the listings.
type listParams struct {
	prefix, delimiter string
	max               int
	urlEncode         bool
}

func parseListParams(c *call, maxName string, defaultMax int) (listParams, error) {
	p := listParams{
		prefix:    c.query.Get("prefix"),
		delimiter: c.query.Get("delimiter"),
		max:       defaultMax,
		urlEncode: c.query.Get("encoding-type") == "url",
	}
	if v := c.query.Get(maxName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListKeys {
			return p, errInvalidArgument.withMessage("Argument %s must be an integer from 1 to %d.", maxName, maxListKeys)
		}
		p.max = n
	}
	if et := c.query.Get("encoding-type"); et != "" && et != "url" {
		return p, errInvalidArgument.withMessage("The encoding type %q is not supported.", et)
	}
	if len(p.prefix) > 1024 || len(p.delimiter) > 1024 {
		return p, errInvalidArgument.withMessage("Argument prefix and delimiter must be at most 1024 bytes.")
	}
	return p, nil
}

// enc encodes a name for the response: URL-encoded if the request asked
// for encoding-type=url.
func (p listParams) enc(s string) string {
	if p.urlEncode {
		return url.QueryEscape(s)
	}
	return s
}

// listing is one page of a listing: the objects and common prefixes after a
// marker, at most max of them together.
type listing struct {
	contents  []objectMeta
	prefixes  []string
	truncated bool
	last      string // the last key or prefix of the page
}

// page lists the objects of all (sorted by key) after the name after. With
// a delimiter, keys that hold it past the prefix are rolled up into common
// prefixes; the keys of one prefix are adjacent in sorted order.
func page(all []objectMeta, p listParams, after string) listing {
	var l listing
	count, lastPrefix := 0, ""
	start := sort.Search(len(all), func(i int) bool { return all[i].Key > after })
	for _, m := range all[start:] {
		if !strings.HasPrefix(m.Key, p.prefix) {
			if m.Key > p.prefix {
				break
			}
			continue
		}
		if p.delimiter != "" {
			if i := strings.Index(m.Key[len(p.prefix):], p.delimiter); i >= 0 {
				cp := m.Key[:len(p.prefix)+i+len(p.delimiter)]
				if cp == lastPrefix || cp <= after {
					continue
				}
				if count == p.max {
					l.truncated = true
					break
				}
				l.prefixes = append(l.prefixes, cp)
				lastPrefix, l.last = cp, cp
				count++
				continue
			}
		}
		if count == p.max {
			l.truncated = true
			break
		}
		l.contents = append(l.contents, m)
		l.last = m.Key
		count++
	}
	return l
}

type listEntry struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        *owner `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

func (p listParams) entries(l listing, withOwner bool) ([]listEntry, []commonPrefix) {
	var out []listEntry
	for _, m := range l.contents {
		e := listEntry{
			Key:          p.enc(m.Key),
			LastModified: m.LastModified.UTC().Format(isoTime),
			ETag:         `"` + m.ETag + `"`,
			Type:         m.Type,
			Size:         m.Size,
			StorageClass: m.StorageClass,
		}
		if withOwner {
			e.Owner = &theOwner
		}
		out = append(out, e)
	}
	var cps []commonPrefix
	for _, cp := range l.prefixes {
		cps = append(cps, commonPrefix{Prefix: p.enc(cp)})
	}
	return out, cps
}

func (s *Server) listObjects(c *call) error {
	p, err := parseListParams(c, "max-keys", defaultListKeys)
	if err != nil {
		return err
	}
	marker := c.query.Get("marker")
	all, err := s.store.listObjects(c.rt.bucket)
	if err != nil {
		return err
	}
	all = s.listed(all)
	l := page(all, p, marker)
	contents, prefixes := p.entries(l, true)
	result := struct {
		XMLName        xml.Name       `xml:"ListBucketResult"`
		Name           string         `xml:"Name"`
		Prefix         string         `xml:"Prefix"`
		Marker         string         `xml:"Marker"`
		MaxKeys        int            `xml:"MaxKeys"`
		Delimiter      string         `xml:"Delimiter"`
		EncodingType   string         `xml:"EncodingType,omitempty"`
		IsTruncated    bool           `xml:"IsTruncated"`
		NextMarker     string         `xml:"NextMarker,omitempty"`
		Contents       []listEntry    `xml:"Contents"`
		CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
	}{
		Name: c.rt.bucket, Prefix: p.enc(p.prefix), Marker: p.enc(marker), MaxKeys: p.max,
		Delimiter: p.enc(p.delimiter), IsTruncated: l.truncated, Contents: contents, CommonPrefixes: prefixes,
	}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	if l.truncated {
		result.NextMarker = p.enc(l.last)
	}
	return s.writeXML(c, result)
}

// continuation tokens are opaque to clients; these encode the last name
// listed.
func encodeToken(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

func decodeToken(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", errInvalidArgument.withMessage("The continuation token provided is incorrect.")
	}
	return string(b), nil
}

func (s *Server) listObjectsV2(c *call) error {
	if v := c.query.Get("list-type"); v != "2" {
		return errInvalidArgument.withMessage("The list-type %q is not supported.", v)
	}
	p, err := parseListParams(c, "max-keys", defaultListKeys)
	if err != nil {
		return err
	}
	startAfter, token := c.query.Get("start-after"), c.query.Get("continuation-token")
	after := startAfter
	if token != "" {
		t, err := decodeToken(token)
		if err != nil {
			return err
		}
		if t > after {
			after = t
		}
	}
	all, err := s.store.listObjects(c.rt.bucket)
	if err != nil {
		return err
	}
	all = s.listed(all)
	l := page(all, p, after)
	contents, prefixes := p.entries(l, c.query.Get("fetch-owner") == "true")
	result := struct {
		XMLName               xml.Name       `xml:"ListBucketResult"`
		Name                  string         `xml:"Name"`
		Prefix                string         `xml:"Prefix"`
		StartAfter            string         `xml:"StartAfter,omitempty"`
		ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
		MaxKeys               int            `xml:"MaxKeys"`
		Delimiter             string         `xml:"Delimiter"`
		EncodingType          string         `xml:"EncodingType,omitempty"`
		IsTruncated           bool           `xml:"IsTruncated"`
		NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
		KeyCount              int            `xml:"KeyCount"`
		Contents              []listEntry    `xml:"Contents"`
		CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
	}{
		Name: c.rt.bucket, Prefix: p.enc(p.prefix), StartAfter: p.enc(startAfter), ContinuationToken: p.enc(token),
		MaxKeys: p.max, Delimiter: p.enc(p.delimiter), IsTruncated: l.truncated,
		KeyCount: len(contents) + len(prefixes), Contents: contents, CommonPrefixes: prefixes,
	}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	if l.truncated {
		result.NextContinuationToken = p.enc(encodeToken(l.last))
	}
	return s.writeXML(c, result)
}

// listObjectVersions lists every object as its only version, "null", the
// version an object has in a bucket where versioning was never enabled.
func (s *Server) listObjectVersions(c *call) error {
	p, err := parseListParams(c, "max-keys", defaultListKeys)
	if err != nil {
		return err
	}
	keyMarker := c.query.Get("key-marker")
	all, err := s.store.listObjects(c.rt.bucket)
	if err != nil {
		return err
	}
	all = s.listed(all)
	l := page(all, p, keyMarker)
	type version struct {
		Key          string `xml:"Key"`
		VersionID    string `xml:"VersionId"`
		IsLatest     bool   `xml:"IsLatest"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Type         string `xml:"Type"`
		Size         int64  `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
		Owner        owner  `xml:"Owner"`
	}
	entries, prefixes := p.entries(l, true)
	result := struct {
		XMLName             xml.Name       `xml:"ListVersionsResult"`
		Name                string         `xml:"Name"`
		Prefix              string         `xml:"Prefix"`
		KeyMarker           string         `xml:"KeyMarker"`
		VersionIDMarker     string         `xml:"VersionIdMarker"`
		MaxKeys             int            `xml:"MaxKeys"`
		Delimiter           string         `xml:"Delimiter"`
		EncodingType        string         `xml:"EncodingType,omitempty"`
		IsTruncated         bool           `xml:"IsTruncated"`
		NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
		NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
		Versions            []version      `xml:"Version"`
		CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
	}{
		Name: c.rt.bucket, Prefix: p.enc(p.prefix), KeyMarker: p.enc(keyMarker),
		VersionIDMarker: c.query.Get("version-id-marker"), MaxKeys: p.max, Delimiter: p.enc(p.delimiter),
		IsTruncated: l.truncated, CommonPrefixes: prefixes,
	}
	for _, e := range entries {
		result.Versions = append(result.Versions, version{
			Key: e.Key, VersionID: "null", IsLatest: true, LastModified: e.LastModified,
			ETag: e.ETag, Type: e.Type, Size: e.Size, StorageClass: e.StorageClass, Owner: theOwner,
		})
	}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	if l.truncated {
		result.NextKeyMarker, result.NextVersionIDMarker = p.enc(l.last), "null"
	}
	return s.writeXML(c, result)
}

func (s *Server) listBuckets(c *call) error {
	p, err := parseListParams(c, "max-keys", defaultListKeys)
	if err != nil {
		return err
	}
	marker := c.query.Get("marker")
	filter, err := bucketTagFilter(c.query)
	if err != nil {
		return err
	}
	type bucketEntry struct {
		Name             string `xml:"Name"`
		CreationDate     string `xml:"CreationDate"`
		Location         string `xml:"Location"`
		ExtranetEndpoint string `xml:"ExtranetEndpoint"`
		IntranetEndpoint string `xml:"IntranetEndpoint"`
		Region           string `xml:"Region"`
		StorageClass     string `xml:"StorageClass"`
		ResourceGroupID  string `xml:"ResourceGroupId"`
	}
	result := struct {
		XMLName     xml.Name      `xml:"ListAllMyBucketsResult"`
		Prefix      string        `xml:"Prefix"`
		Marker      string        `xml:"Marker"`
		MaxKeys     int           `xml:"MaxKeys"`
		IsTruncated bool          `xml:"IsTruncated"`
		NextMarker  string        `xml:"NextMarker,omitempty"`
		Owner       owner         `xml:"Owner"`
		Buckets     []bucketEntry `xml:"Buckets>Bucket"`
	}{Prefix: p.prefix, Marker: marker, MaxKeys: p.max, Owner: theOwner}
	for _, b := range s.store.listBuckets() {
		if b.Name <= marker || !strings.HasPrefix(b.Name, p.prefix) || !filter(b.Tagging) {
			continue
		}
		if len(result.Buckets) == p.max {
			result.IsTruncated = true
			result.NextMarker = result.Buckets[len(result.Buckets)-1].Name
			break
		}
		result.Buckets = append(result.Buckets, bucketEntry{
			Name: b.Name, CreationDate: bucketTime(b.Created), Location: s.location(),
			ExtranetEndpoint: s.bucketEndpoint(), IntranetEndpoint: s.bucketEndpoint(),
			Region: s.opts.region, StorageClass: b.StorageClass, ResourceGroupID: "rg-osstest-default",
		})
	}
	return s.writeXML(c, result)
}

// bucketTagFilter returns a test of a bucket's encoded tags against the
// tag filters of ListBuckets: tag-key and tag-value, or tagging, a list of
// "key":"value" pairs that must all be present.
func bucketTagFilter(q url.Values) (func(string) bool, error) {
	want := url.Values{}
	if k := q.Get("tag-key"); k != "" {
		want.Set(k, q.Get("tag-value"))
	} else if q.Get("tag-value") != "" {
		return nil, errInvalidArgument.withMessage("tag-value requires tag-key.")
	}
	if t := q.Get("tagging"); t != "" {
		fields := strings.Split(t, `"`)
		// "k1":"v1","k2":"v2" splits into "", k1, ":", v1, ",", k2, ":", v2, "".
		if len(fields)%4 != 1 {
			return nil, errInvalidArgument.withMessage("The tagging filter is not valid.")
		}
		for i := 1; i+2 < len(fields); i += 4 {
			if fields[i+1] != ":" {
				return nil, errInvalidArgument.withMessage("The tagging filter is not valid.")
			}
			want.Set(fields[i], fields[i+2])
		}
	}
	return func(encoded string) bool {
		if len(want) == 0 {
			return true
		}
		have, _ := url.ParseQuery(encoded)
		for k := range want {
			v := want.Get(k)
			if !have.Has(k) || v != "" && have.Get(k) != v {
				return false
			}
		}
		return true
	}, nil
}

// sortedKeys returns the keys of v in order.
func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SetListingDelay changes the delay of WithListingDelay: from now on, an
// object shows in listings only once d has passed since it was created.
// SetListingDelay(0) lists every object at once.
func (s *Server) SetListingDelay(d time.Duration) {
	s.lag.Store(int64(d))
}

// listed keeps of all the objects that listings show: those created at
// least the listing delay ago. Its delay is measured by the machine's
// clock, which SetClockOffset does not move.
func (s *Server) listed(all []objectMeta) []objectMeta {
	lag := time.Duration(s.lag.Load())
	if lag <= 0 {
		return all
	}
	shown := all[:0]
	now := time.Now()
	for _, m := range all {
		if m.created.IsZero() || !now.Before(m.created.Add(lag)) {
			shown = append(shown, m)
		}
	}
	return shown
}
