package ossappend

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A layout names objects by time and source (see WithKeyLayout): time
// verbs expand to the writer's clock, placeholders to the process.
type layout struct {
	parts []layoutPart
	unit  timeUnit // the finest verb's; noUnit without time verbs
	loc   *time.Location
}

// A layoutPart is a literal, a time verb or an expanded placeholder.
type layoutPart struct {
	lit  string
	verb timeUnit // the verb's unit, or noUnit for a literal
}

// timeUnit is the unit of a time verb, from the coarsest.
type timeUnit int

const (
	noUnit timeUnit = iota
	year            // %Y
	month           // %m
	day             // %d
	hour            // %H
	minute          // %M
	second          // %S
)

var verbs = map[byte]timeUnit{'Y': year, 'm': month, 'd': day, 'H': hour, 'M': minute, 'S': second}

// parseLayout reads a layout. Its errors name the part at fault.
func parseLayout(s string, loc *time.Location) (*layout, error) {
	l := &layout{loc: loc}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			l.parts = append(l.parts, layoutPart{lit: lit.String()})
			lit.Reset()
		}
	}
	seen := map[timeUnit]bool{}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+1 == len(s) {
				return nil, fmt.Errorf("layout %q: a '%%' at its end (write %%%% for a '%%')", s)
			}
			i++
			if s[i] == '%' {
				lit.WriteByte('%')
				continue
			}
			u, ok := verbs[s[i]]
			if !ok {
				return nil, fmt.Errorf("layout %q: unknown verb %%%c (want %%Y %%m %%d %%H %%M %%S, or %%%% for a '%%')", s, s[i])
			}
			flush()
			l.parts = append(l.parts, layoutPart{verb: u})
			seen[u] = true
			l.unit = max(l.unit, u)
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("layout %q: a '{' with no '}'", s)
			}
			name := s[i+1 : i+end]
			v, err := placeholder(name)
			if err != nil {
				return nil, fmt.Errorf("layout %q: %v", s, err)
			}
			lit.WriteString(v)
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	// A verb without the coarser ones names two periods alike: %H alone
	// is the same hour every day, and the writer would go back to an
	// object of yesterday.
	for u := year; u < l.unit; u++ {
		if !seen[u] {
			return nil, fmt.Errorf("layout %q: %s without %s names the periods of different %ss alike; add it",
				s, verbName(l.unit), verbName(u), unitName(u))
		}
	}
	return l, nil
}

func verbName(u timeUnit) string {
	for c, v := range verbs {
		if v == u {
			return "%" + string(c)
		}
	}
	return "?"
}

func unitName(u timeUnit) string {
	return [...]string{"", "year", "month", "day", "hour", "minute", "second"}[u]
}

// placeholder expands {name}: the host name or the process id, made safe
// for a key.
func placeholder(name string) (string, error) {
	switch name {
	case "host":
		h, err := os.Hostname()
		if err != nil {
			return "", fmt.Errorf("{host}: %v", err)
		}
		if h = keySafe(h); h == "" {
			return "", fmt.Errorf("{host}: the host name is empty")
		}
		return h, nil
	case "pid":
		return strconv.Itoa(os.Getpid()), nil
	}
	return "", fmt.Errorf("unknown placeholder {%s} (want {host} or {pid})", name)
}

// keySafe keeps letters, digits, '.', '-' and '_' of s, and turns every
// other byte into '-', so that a host name cannot add a path level or a
// character some tools mangle.
func keySafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

// expand returns the key of the period that holds t.
func (l *layout) expand(t time.Time) string {
	t = t.In(l.loc)
	var b strings.Builder
	for _, p := range l.parts {
		switch p.verb {
		case noUnit:
			b.WriteString(p.lit)
		case year:
			fmt.Fprintf(&b, "%04d", t.Year())
		case month:
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case day:
			fmt.Fprintf(&b, "%02d", t.Day())
		case hour:
			fmt.Fprintf(&b, "%02d", t.Hour())
		case minute:
			fmt.Fprintf(&b, "%02d", t.Minute())
		case second:
			fmt.Fprintf(&b, "%02d", t.Second())
		}
	}
	return b.String()
}

// A period is the span of time whose writes go to one key.
type period struct {
	key string
	end time.Time // zero for a layout without time verbs: it never ends
}

// periodOf returns the period that holds t: its key and when it ends, on
// the calendar of the layout's location. A period of an hour, a minute or
// a second ends that long after it began, whatever the zone does: where
// daylight saving time turns the clock back, the hour that repeats is a
// period of its own, named as the hour before it was. A period of a day,
// a month or a year ends at the next one's midnight; where the zone skips
// that midnight, or the date itself (Samoa skipped 30 December 2011), at
// the first moment whose key is another.
func (l *layout) periodOf(t time.Time) period {
	p := period{key: l.expand(t)}
	if l.unit == noUnit {
		return p
	}
	t = t.In(l.loc)
	y, mo, d := t.Date()
	_, mi, s := t.Clock()
	sinceSecond := time.Duration(t.Nanosecond())
	sinceMinute := time.Duration(s)*time.Second + sinceSecond
	switch l.unit {
	case year:
		p.end = time.Date(y+1, 1, 1, 0, 0, 0, 0, l.loc)
	case month:
		p.end = time.Date(y, mo+1, 1, 0, 0, 0, 0, l.loc)
	case day:
		p.end = time.Date(y, mo, d+1, 0, 0, 0, 0, l.loc)
	case hour:
		p.end = t.Add(time.Hour - time.Duration(mi)*time.Minute - sinceMinute)
	case minute:
		p.end = t.Add(time.Minute - sinceMinute)
	case second:
		p.end = t.Add(time.Second - sinceSecond)
	}
	if !p.end.After(t) {
		p.end = l.nextKey(t, p.key)
	}
	return p
}

// nextKey returns the first minute after t whose key is not key, looking
// up to two days on, for the days a zone's calendar skips; failing that,
// a second after t.
func (l *layout) nextKey(t time.Time, key string) time.Time {
	next := t.Truncate(time.Minute)
	for range 2 * 24 * 60 {
		next = next.Add(time.Minute)
		if l.expand(next) != key {
			return next
		}
	}
	return t.Add(time.Second)
}
