package zapsink

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// target is what an oss:// URL asks for: where, with which client, and
// the writer's options.
type target struct {
	bucket, key string
	client      string // the name of a registered client, "" for the default
	region      string // for a client built from the environment
	endpoint    string // likewise
	query       string // the parameters, canonical: two URLs of one target share a writer only if these match
	opts        []ossappend.Option
}

// A param reads the value of one URL parameter into t.
type param func(t *target, v string) error

// params are the URL parameters the sink knows, by name.
var params = map[string]param{
	"flush": func(t *target, v string) error {
		d, err := time.ParseDuration(v)
		t.opts = append(t.opts, ossappend.WithFlushInterval(d))
		return err
	},
	"flush-size": func(t *target, v string) error {
		n, err := parseSize(v)
		if n > math.MaxInt {
			return errors.New("too large for this platform")
		}
		t.opts = append(t.opts, ossappend.WithFlushSize(int(n)))
		return err
	},
	"codec":    codecParam,
	"compress": codecParam,
	"layout": boolParam(func(t *target) {
		t.opts = append(t.opts, ossappend.WithKeyLayout())
	}),
	"spool": func(t *target, v string) error {
		if v == "" {
			return errors.New("want a directory")
		}
		t.opts = append(t.opts, ossappend.WithSpool(v))
		return nil
	},
	"spool-limit": func(t *target, v string) error {
		n, err := parseSize(v)
		t.opts = append(t.opts, ossappend.WithSpoolLimit(n))
		return err
	},
	"spool-sync": func(t *target, v string) error {
		d, err := time.ParseDuration(v)
		t.opts = append(t.opts, ossappend.WithSpoolSync(d))
		return err
	},
	"max-object-size": func(t *target, v string) error {
		n, err := parseSize(v)
		t.opts = append(t.opts, ossappend.WithMaxObjectSize(n))
		return err
	},
	"max-inflight": func(t *target, v string) error {
		n, err := strconv.Atoi(v)
		t.opts = append(t.opts, ossappend.WithMaxInflight(n))
		return err
	},
	"non-blocking": boolParam(func(t *target) {
		t.opts = append(t.opts, ossappend.WithNonBlocking())
	}),
	"seal": boolParam(func(t *target) {
		t.opts = append(t.opts, ossappend.WithSealOnClose())
	}),
	"client":   func(t *target, v string) error { t.client = v; return nil },
	"region":   func(t *target, v string) error { t.region = v; return nil },
	"endpoint": func(t *target, v string) error { t.endpoint = v; return nil },
}

// codecParam reads codec=NAME, or its other name compress=NAME.
func codecParam(t *target, v string) error {
	c, err := compress.ByName(v)
	t.opts = append(t.opts, ossappend.WithCodec(c))
	return err
}

// boolParam reads a parameter that turns an option on: true, 1, false,
// 0, ... as strconv.ParseBool reads them.
func boolParam(on func(t *target)) param {
	return func(t *target, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		if b {
			on(t)
		}
		return nil
	}
}

// parseTarget reads an oss://BUCKET/KEY?PARAMS URL. Its errors name the
// bucket and key, never the URL itself, which may hold credentials.
func parseTarget(u *url.URL) (*target, error) {
	if u.Opaque != "" || u.Host == "" {
		return nil, errors.New("zapsink: want oss://BUCKET/KEY")
	}
	where := fmt.Sprintf("zapsink: oss://%s%s", u.Host, u.EscapedPath())
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%s: credentials do not belong in the URL: register a client, or set %s and %s", where, envAccessKeyID, envAccessKeySecret)
	case u.Port() != "":
		return nil, fmt.Errorf("%s: want a bucket name, not a port", where)
	case u.Fragment != "":
		return nil, fmt.Errorf("%s: fragments are not allowed", where)
	}
	t := &target{bucket: u.Host, key: strings.TrimPrefix(u.Path, "/")}
	if t.key == "" {
		return nil, fmt.Errorf("%s: no key: want oss://BUCKET/KEY", where)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: parameters: %v", where, err)
	}
	var unknown []string
	for name := range q {
		if params[name] == nil {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("%s: unknown parameters %s (known: %s)", where, strings.Join(unknown, ", "), strings.Join(knownParams(), ", "))
	}
	if q.Has("codec") && q.Has("compress") {
		return nil, fmt.Errorf("%s: codec and compress are one parameter: give one", where)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vs := q[name]
		if len(vs) > 1 {
			return nil, fmt.Errorf("%s: parameter %s given %d times", where, name, len(vs))
		}
		if err := params[name](t, vs[0]); err != nil {
			return nil, fmt.Errorf("%s: parameter %s=%q: %v", where, name, vs[0], err)
		}
	}
	t.query = q.Encode()
	return t, nil
}

// knownParams are the names of the parameters, sorted.
func knownParams() []string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// parseSize reads a number of bytes: 4194304, or with a unit: 4MiB, 512KiB,
// 1GiB, 4MB (10⁶ bytes), 64k (KiB), 1B.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}}
	num, mult := strings.ToLower(strings.TrimSpace(s)), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errors.New("want a size in bytes, such as 4194304 or 4MiB")
	}
	return n * mult, nil
}
